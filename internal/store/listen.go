package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// ListenDSN is where a LISTEN for key changes can run: a session of its own
// on PostgreSQL, bypassing a transaction pooler (which would hand the
// session to other clients between transactions). "" when there is none:
// SQLite, or a transaction pooler without DB_DIRECT_URL; instances then
// rely on their reload interval alone.
func ListenDSN(o Options) string {
	switch {
	case o.Client != "pg":
		return ""
	case o.DirectDSN != "":
		return o.DirectDSN
	case o.Pooler == PoolerTransaction:
		return ""
	}
	return o.DSN
}

// ListenKeys holds a session on dsn listening on KeysChannel and signals
// wake, without blocking, on every notification, and once listening when
// announce is set (after a lost session, changes may have been missed). It
// returns when ctx ends or the session fails; the caller reconnects.
func ListenKeys(ctx context.Context, dsn string, wake chan<- struct{}, announce bool) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return redactErr(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+KeysChannel); err != nil {
		return redactErr(err)
	}
	for {
		if announce {
			select {
			case wake <- struct{}{}:
			default:
			}
		}
		announce = true
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return redactErr(err)
		}
	}
}
