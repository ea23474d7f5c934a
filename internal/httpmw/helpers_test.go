package httpmw_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
)

func splitHost(addr string) (string, string, error) { return net.SplitHostPort(addr) }

func mustTrust(t *testing.T, s string) config.TrustProxy {
	t.Helper()
	tp, err := config.ParseTrustProxy(s)
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

type brokenLimiter struct{}

func (brokenLimiter) Allow(context.Context, string) (ratelimit.Result, error) {
	return ratelimit.Result{}, errors.New("store down")
}
func (brokenLimiter) Reset(context.Context, string) error { return errors.New("store down") }

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
