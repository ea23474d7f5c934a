package app

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// RunKeys keeps this instance's key set at most KEYS_RELOAD_INTERVAL behind
// the database until ctx ends, stages keys when KEYS_ROTATE_EVERY is set,
// and on PostgreSQL with a session of its own reloads as soon as another
// instance stages a key (LISTEN/NOTIFY; the interval stays the bound).
func (a *App) RunKeys(ctx context.Context) {
	var wake chan struct{}
	if dsn := store.ListenDSN(StoreOptions(a.Config)); dsn != "" {
		wake = make(chan struct{}, 1)
		go a.listenKeys(ctx, dsn, wake)
	}
	a.Keys.Run(ctx, wake)
}

// listenKeys reconnects the LISTEN session whenever it fails, no faster
// than once per reload interval (capped at 5s), until ctx ends. After a
// reconnect it reloads at once (it may have missed a notification); the
// first session starts right after the key set was loaded, and the interval
// covers that moment.
func (a *App) listenKeys(ctx context.Context, dsn string, wake chan<- struct{}) {
	backoff := min(a.Config.KeysReloadInterval.D(), 5*time.Second)
	for reconnect := false; ; reconnect = true {
		err := store.ListenKeys(ctx, dsn, wake, reconnect)
		if ctx.Err() != nil {
			return
		}
		a.Log.Warn("listening for key changes failed; relying on KEYS_RELOAD_INTERVAL until it reconnects", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
	}
}
