package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
)

// keyOptions configures the key manager from configuration.
func keyOptions(cfg *config.Config, st *store.Store, secret []byte, now func() time.Time, log *slog.Logger) token.Options {
	return token.Options{Store: st, Secret: secret, Algorithm: cfg.JWTAlgorithm, Issuer: cfg.JWTIssuer,
		MaxTTL: max(cfg.AccessTokenTTL.D(), cfg.SessionCookieTTL.D()), Now: now, Logger: log,
		PublishFor: cfg.KeyPublishFor(), ReloadEvery: cfg.KeysReloadInterval.D(), RotateEvery: cfg.KeysRotateEvery.D()}
}

// wrongSecretHelp turns "SECRET differs" into what to do about it. The
// fingerprints name the SECRETs without revealing them.
func wrongSecretHelp(err error, source string) error {
	var ws *token.WrongSecretError
	if !errors.As(err, &ws) {
		return err
	}
	return fmt.Errorf(`%w.
The SECRET in use came from %s.
To fix it, start again with the SECRET that sealed the keys: set SECRET or SECRET_FILE to it, or put it back in
DATA_DIR/secret. Each start logs seal_fingerprint, and this message shows the fingerprint of any SECRET you try.
Last resort, when that SECRET is lost: gatehouse keys reset --discard-sealed
deletes the sealed signing keys and starts a new key set with the SECRET in use. Every session, access and refresh
token issued so far stops working (everyone signs in again), queued emails are dropped, and TOTP secrets sealed with
the lost SECRET cannot be checked any more (those users sign in with a recovery code, or an admin turns their 2FA
off). See README, "Keeping SECRET"`, err, source)
}

// ErrKeysOpen: keys reset was asked for, but the SECRET in use opens the keys.
var ErrKeysOpen = errors.New("the SECRET in use opens the signing keys: nothing to discard (for a new signing key, use gatehouse keys rotate)")

// DiscardSealed is `gatehouse keys reset --discard-sealed`: when the SECRET in
// use cannot open the signing keys, it discards them and everything else
// sealed or keyed by the lost SECRET (store.DiscardSealed). It refuses when
// the keys open, so it cannot destroy a working installation by mistake.
func DiscardSealed(ctx context.Context, cfg *config.Config, log *slog.Logger) (store.Discarded, error) {
	so := StoreOptions(cfg)
	db, err := store.Open(ctx, so)
	if err != nil {
		return store.Discarded{}, err
	}
	defer db.Close()
	st := store.NewFor(db, so)
	if _, err := st.Migrate(ctx); err != nil {
		return store.Discarded{}, err
	}
	secret, _, err := loadSecret(cfg, log)
	if err != nil {
		return store.Discarded{}, err
	}
	_, err = token.NewManager(ctx, keyOptions(cfg, st, secret, time.Now, log))
	var ws *token.WrongSecretError
	switch {
	case err == nil:
		return store.Discarded{}, ErrKeysOpen
	case !errors.As(err, &ws):
		return store.Discarded{}, err
	}
	d, err := st.DiscardSealed(ctx)
	if err == nil {
		log.Warn("signing keys sealed with another SECRET discarded", "sealed_with", ws.SealedWith, "seal_fingerprint", ws.Current,
			"keys", d.Keys, "sessions", d.Sessions, "emails", d.Messages)
	}
	return d, err
}

// SecretFingerprint is the fingerprint of the SECRET in use, for the start log.
func (a *App) SecretFingerprint() string { return a.secretFP }
