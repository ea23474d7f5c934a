package app

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Serve listens on ln until ctx ends, then shuts down gracefully: in-flight
// requests finish, new connections are refused.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := a.Ops.Server(a.Handler())
	srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if msrv := a.serveMetrics(); msrv != nil {
		defer msrv.Close()
	}
	workerCtx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	workerDone := make(chan struct{})
	go func() { defer close(workerDone); a.Outbox.Run(workerCtx) }()
	defer func() { stopWorker(); <-workerDone }() // drain the message in flight
	go a.purgeLoop(workerCtx)
	go a.RunKeys(workerCtx)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

// purgeLoop deletes expired sessions and one-time tokens now and then, so the
// tables hold only what can still be used, and finished outbox messages once
// EMAIL_OUTBOX_RETENTION has passed.
func (a *App) purgeLoop(ctx context.Context) {
	t := time.NewTicker(a.Config.PurgeInterval.D())
	defer t.Stop()
	for {
		sessions, tokens, err := a.Auth.PurgeExpired(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			a.Log.Warn("purging expired sessions failed", "err", err)
		case sessions+tokens > 0:
			a.Log.Info("purged expired rows", "sessions", sessions, "tokens", tokens)
		}
		if n, err := a.Outbox.Purge(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("purging finished outbox messages failed", "err", err)
		} else if n > 0 {
			a.Log.Info("purged finished outbox messages", "messages", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// serveMetrics starts the metrics listener (METRICS_ADDR) when metrics are
// on. A port that cannot be bound is logged, not fatal: a second instance on
// one host should still serve logins, and the scraper notices the gap.
func (a *App) serveMetrics() *http.Server {
	h := a.Ops.MetricsHandler()
	addr := a.Config.Ops.MetricsAddr
	if h == nil || addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		a.Log.Error("metrics listener not started", "metrics_addr", addr, "err", err)
		return nil
	}
	a.Log.Info("metrics are served", "metrics_addr", ln.Addr().String())
	srv := a.Ops.Server(h)
	go func() { _ = srv.Serve(ln) }()
	return srv
}
