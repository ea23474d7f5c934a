// Package app wires configuration to the store, the key manager, the hasher,
// the auth service and the HTTP surfaces. cmd/gatehouse and tests build
// Gatehouse through it, so both run the same assembly.
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse/gatehouse/api"
	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/pages"
	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
)

// App is a running Gatehouse: everything but the listener.
type App struct {
	Config *config.Config
	DB     *bun.DB
	Store  *store.Store
	Keys   *token.Manager
	Auth   *auth.Service
	Hasher *password.Hasher
	Mail   *mail.Renderer
	Outbox *mail.Worker // delivers queued email; Serve runs it
	Pages  *pages.Pages
	Ops    *Ops // limits, CORS, client IP, metrics, request logs
	Log    *slog.Logger

	secretFP string // token.Fingerprint of SECRET, for the start log
	// OpenAPI is api/openapi.yaml as served (JSON, servers = PUBLIC_URL).
	OpenAPI []byte
}

// Options tune assembly for tests.
type Options struct {
	Now     func() time.Time    // injected clock; nil = time.Now
	Sleep   func(time.Duration) // the login stall; nil = time.Sleep
	Migrate bool                // run migrations on open
}

// Open connects, optionally migrates, and builds the services.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger, o Options) (*App, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	so := StoreOptions(cfg)
	db, err := store.Open(ctx, so)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, DB: db, Store: store.NewFor(db, so), Log: log}
	if err := a.build(ctx, o); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// StoreOptions picks the database from configuration.
func StoreOptions(cfg *config.Config) store.Options {
	return store.Options{Client: cfg.DB.Client, Filename: cfg.DB.Filename, DSN: cfg.DB.DSN(), PoolMax: cfg.DB.PoolMax,
		Pooler: cfg.DB.Pooler, DirectDSN: cfg.DB.DirectURL}
}

func (a *App) build(ctx context.Context, o Options) error {
	cfg := a.Config
	if o.Migrate {
		applied, err := a.Store.Migrate(ctx)
		if err != nil {
			return err
		}
		if len(applied) > 0 {
			a.Log.Info("database migrated", "applied", applied)
		}
	}
	secret, source, err := loadSecret(cfg, a.Log)
	if err != nil {
		return err
	}
	a.Keys, err = token.NewManager(ctx, keyOptions(cfg, a.Store, secret, o.Now, a.Log))
	if err != nil {
		return wrongSecretHelp(err, source)
	}
	a.secretFP = token.Fingerprint(secret)
	params := password.Params{Memory: cfg.Hash.MemoryCost, Time: cfg.Hash.TimeCost, Threads: cfg.Hash.Parallelism,
		KeyLen: cfg.Hash.HashLength, SaltLen: 16}
	if err := params.Validate(); err != nil {
		return fmt.Errorf("HASH_*: %w", err)
	}
	a.Hasher = password.NewHasher(params, cfg.Hash.MaxConcurrent, cfg.Hash.QueueTimeout.D())
	policy := password.Policy{MinLength: cfg.PasswordMinLength, CheckCommon: true}
	if policy.Regex, err = password.ParsePolicyRegex(cfg.AuthPasswordPolicy); err != nil {
		return fmt.Errorf("AUTH_PASSWORD_POLICY: %w", err)
	}
	if err := a.initOps(o.Now); err != nil {
		return err
	}
	a.Hasher.Observe(a.Ops.Metrics.HashObserved)
	if err := a.buildMail(o.Now, secret); err != nil {
		return err
	}
	a.Auth = auth.New(auth.Deps{
		Store: a.Store, Hasher: a.Hasher, Signer: a.Keys, Refresh: token.NewRefresh(secret), Policy: policy,
		Mailer: a.Mail, Notify: a.Outbox, Secret: secret, Metrics: a.Ops.Metrics,
		Limits: auth.Limits{Login: a.Ops.LoginLimiter, PasswordRequest: a.Ops.PasswordRequestLimiter, Registration: a.Ops.RegistrationLimiter},
		Now:    o.Now, Sleep: o.Sleep, Logger: a.Log,
	}, Settings(cfg))
	a.Auth.AcceptDirectusTokens([]byte(cfg.Directus.Secret), cfg.Directus.Until())
	if o.Migrate {
		// Keys written before NormalizeEmail existed (see RekeyEmails).
		n, err := a.Auth.RekeyEmails(ctx)
		if err != nil {
			return fmt.Errorf("recomputing email keys: %w", err)
		}
		if n > 0 {
			a.Log.Info("email keys recomputed", "users", n)
		}
	}
	if a.OpenAPI, err = api.Document(cfg.PublicURL); err != nil {
		return err
	}
	a.Pages, err = pages.New(a.Auth, cfg.ProjectName, int64(cfg.MaxPayloadSize), a.Log)
	return err
}

// Settings turns configuration into the service's rules.
func Settings(cfg *config.Config) auth.Settings {
	cookie := func(c config.Cookie, ttl time.Duration) auth.CookieSpec {
		return auth.CookieSpec{Name: c.Name, Domain: c.Domain, Secure: cfg.CookieSecure(c),
			SameSite: auth.ParseSameSite(c.SameSite), MaxAge: ttl}
	}
	anyOrigin, origins := cfg.Ops.CORSOriginMode()
	if !cfg.Ops.CORSEnabled {
		anyOrigin, origins = false, nil
	}
	return auth.Settings{
		CORSOrigins: origins, AnyOrigin: anyOrigin, CORSEnabled: cfg.Ops.CORSEnabled,
		AccessTTL: cfg.AccessTokenTTL.D(), RefreshTTL: cfg.RefreshTokenTTL.D(), SessionTTL: cfg.SessionCookieTTL.D(),
		Grace: cfg.SessionRefreshGracePeriod.D(), MaxLifetime: cfg.SessionMaxLifetime.D(), LoginStall: cfg.LoginStallTime.D(),
		LoginAttempts: cfg.AuthLoginAttempts, PublicURL: cfg.PublicURL,
		RefreshCookie: cookie(cfg.RefreshCookie, cfg.RefreshTokenTTL.D()),
		SessionCookie: cookie(cfg.SessionCookie, cfg.SessionCookieTTL.D()),
		ProjectName:   cfg.ProjectName, ResetURLs: auth.URLAllowList(cfg.PasswordResetURLAllowList),
		ResetTTL: cfg.PasswordResetTokenTTL.D(), RequestStall: cfg.PasswordResetStallTime.D(),
		InviteURLs: auth.URLAllowList(cfg.UserInviteURLAllowList), InviteTTL: cfg.UserInviteTokenTTL.D(),
		Registration: auth.Registration{
			Enabled: cfg.PublicRegistration, VerifyEmail: cfg.PublicRegistrationVerifyEmail,
			RoleID: cfg.PublicRegistrationRole, Domains: cfg.PublicRegistrationEmailFilter,
			URLs: auth.URLAllowList(cfg.UserRegisterURLAllowList), TTL: cfg.EmailVerificationTokenTTL.D(),
			Stall: cfg.RegisterStallTime.D(),
		},
		Reauth: cfg.AuthReauthentication, PrivilegedAge: cfg.AuthPrivilegedSessionMaxAge.D(),
		EmailChangeTTL: cfg.EmailChangeTokenTTL.D(),
	}
}

// Close releases the database and the Redis client.
func (a *App) Close() error {
	if a.Ops != nil {
		_ = a.Ops.Close()
	}
	return a.DB.Close()
}

// loadSecret returns SECRET, or the one generated into the data directory on
// first start (several instances must share one SECRET: set it explicitly),
// and where it came from, for the refusal when it does not open the keys.
func loadSecret(cfg *config.Config, log *slog.Logger) (secret []byte, source string, err error) {
	if cfg.Secret != "" {
		return []byte(cfg.Secret), "SECRET (or SECRET_FILE)", nil
	}
	path := cfg.SecretFile()
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		log.Warn("SECRET is not set; using the one generated in the data directory (set SECRET when running several instances)", "file", path)
		return []byte(strings.TrimSpace(string(b))), "the file " + path, nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, "", fmt.Errorf("read %s: %w", path, err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, "", err
	}
	s := base64.RawURLEncoding.EncodeToString(raw)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, "", fmt.Errorf("create data directory: %w", err)
	}
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return nil, "", fmt.Errorf("write %s: %w", path, err)
	}
	log.Warn("SECRET is not set; generated one and kept it in the data directory (set SECRET when running several instances)", "file", path)
	return []byte(s), "the file " + path + ", generated just now because neither SECRET nor that file existed (is DATA_DIR the one used before?)", nil
}
