package token_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/models"
)

// Issue 20: the refusal names, by fingerprint, the SECRET that sealed the
// keys and the one in use, so an operator can tell which to restore.
func TestWrongSecretNamesFingerprints(t *testing.T) {
	f := newFixture(t, "ES256")
	wrong := []byte("a-completely-different-secret-value-xyz")
	_, err := token.NewManager(context.Background(), token.Options{Store: f.store, Secret: wrong, Now: f.clk.Now, Logger: slog.New(slog.DiscardHandler)})
	var ws *token.WrongSecretError
	if !errors.As(err, &ws) || ws.SealedWith != token.Fingerprint(testSecret) || ws.Current != token.Fingerprint(wrong) {
		t.Fatalf("error = %#v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, ws.SealedWith) || !strings.Contains(msg, ws.Current) || ws.SealedWith == ws.Current ||
		strings.Contains(msg, string(wrong)) || strings.Contains(msg, string(testSecret)) {
		t.Fatalf("message %q", msg)
	}
	if len(ws.Current) != 12 || token.Fingerprint(testSecret) != token.Fingerprint(append([]byte(nil), testSecret...)) {
		t.Fatalf("fingerprint %q", ws.Current)
	}
}

// Keys sealed before fingerprints were stored still open with their SECRET,
// and a wrong SECRET is still refused, saying the sealer is unknown.
func TestKeysWithoutFingerprint(t *testing.T) {
	f := newFixture(t, "ES256")
	f.store.Edit(func(rows []models.Key) {
		for i := range rows {
			_, old, ok := strings.Cut(rows[i].PrivateJWK, ".")
			if !ok {
				t.Fatalf("no fingerprint stored: %q", rows[i].PrivateJWK[:10])
			}
			rows[i].PrivateJWK = old
		}
	})
	f.manager(t, "ES256", testSecret)
	_, err := token.NewManager(context.Background(), token.Options{Store: f.store, Secret: []byte("another-secret-another-secret-another"), Now: f.clk.Now, Logger: slog.New(slog.DiscardHandler)})
	var ws *token.WrongSecretError
	if !errors.As(err, &ws) || ws.SealedWith != "" || !strings.Contains(err.Error(), "not recorded") {
		t.Fatalf("error = %v", err)
	}
}
