// Package config reads Gatehouse's settings from environment variables, using
// Directus's names and defaults where Directus has them.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is every setting Gatehouse reads at start.
type Config struct {
	Host      string `env:"HOST" envDefault:"0.0.0.0"`
	Port      int    `env:"PORT" envDefault:"8055"`
	PublicURL string `env:"PUBLIC_URL" envDefault:"http://localhost:8055"`
	DataDir   string `env:"DATA_DIR" envDefault:"./data"`
	LogLevel  string `env:"LOG_LEVEL" envDefault:"info"`
	LogStyle  string `env:"LOG_STYLE" envDefault:"text"`

	DB DB

	Secret string `env:"SECRET"`

	Directus Directus // after `gatehouse import directus` (directus.go)

	AccessTokenTTL            Duration `env:"ACCESS_TOKEN_TTL" envDefault:"15m"`
	RefreshTokenTTL           Duration `env:"REFRESH_TOKEN_TTL" envDefault:"7d"`
	SessionCookieTTL          Duration `env:"SESSION_COOKIE_TTL" envDefault:"1d"`
	SessionRefreshGracePeriod Duration `env:"SESSION_REFRESH_GRACE_PERIOD" envDefault:"10s"`
	SessionMaxLifetime        Duration `env:"SESSION_MAX_LIFETIME" envDefault:"30d"`

	AuthReauthentication        bool     `env:"AUTH_REAUTHENTICATION" envDefault:"true"`
	AuthPrivilegedSessionMaxAge Duration `env:"AUTH_PRIVILEGED_SESSION_MAX_AGE" envDefault:"15m"`
	EmailChangeTokenTTL         Duration `env:"EMAIL_CHANGE_TOKEN_TTL" envDefault:"1h"`

	RefreshCookie Cookie `envPrefix:"REFRESH_TOKEN_COOKIE_"`
	SessionCookie Cookie `envPrefix:"SESSION_COOKIE_"`

	JWTAlgorithm string `env:"JWT_ALGORITHM" envDefault:"ES256"`
	JWTIssuer    string `env:"JWT_ISSUER" envDefault:"gatehouse"`

	// JWKSMaxAge is the Cache-Control max-age /.well-known/jwks.json is
	// served with; a rotated-in key is published this long plus
	// KeysReloadInterval before it signs.
	JWKSMaxAge Duration `env:"JWKS_MAX_AGE" envDefault:"60s"`
	// KeysReloadInterval bounds how far an instance's key set lags the database.
	KeysReloadInterval Duration `env:"KEYS_RELOAD_INTERVAL" envDefault:"30s"`
	// KeysRotateEvery stages a new key automatically so each signs this
	// long; 0 = off (rotate with `gatehouse keys rotate`).
	KeysRotateEvery Duration `env:"KEYS_ROTATE_EVERY" envDefault:"0"`

	LoginStallTime    Duration `env:"LOGIN_STALL_TIME" envDefault:"500"`
	AuthLoginAttempts int      `env:"AUTH_LOGIN_ATTEMPTS" envDefault:"25"`
	MaxPayloadSize    ByteSize `env:"MAX_PAYLOAD_SIZE" envDefault:"1mb"`
	RequestTimeout    Duration `env:"REQUEST_TIMEOUT" envDefault:"20s"`
	PurgeInterval     Duration `env:"PURGE_INTERVAL" envDefault:"10m"`

	Hash Hash

	PasswordMinLength  int    `env:"PASSWORD_MIN_LENGTH" envDefault:"8"`
	AuthPasswordPolicy string `env:"AUTH_PASSWORD_POLICY"`

	AdminEmail    string `env:"ADMIN_EMAIL" envDefault:"admin@example.com"`
	AdminPassword string `env:"ADMIN_PASSWORD"`
	AdminToken    string `env:"ADMIN_TOKEN"`

	Ops Ops

	ProjectName               string   `env:"PROJECT_NAME" envDefault:"Gatehouse"`
	PasswordResetURLAllowList []string `env:"PASSWORD_RESET_URL_ALLOW_LIST" envSeparator:","`
	PasswordResetTokenTTL     Duration `env:"PASSWORD_RESET_TOKEN_TTL" envDefault:"1h"`
	PasswordResetStallTime    Duration `env:"PASSWORD_RESET_STALL_TIME" envDefault:"500ms"`
	UserInviteURLAllowList    []string `env:"USER_INVITE_URL_ALLOW_LIST" envSeparator:","`
	UserInviteTokenTTL        Duration `env:"USER_INVITE_TOKEN_TTL" envDefault:"7d"`
	UserRegisterURLAllowList  []string `env:"USER_REGISTER_URL_ALLOW_LIST" envSeparator:","`
	EmailVerificationTokenTTL Duration `env:"EMAIL_VERIFICATION_TOKEN_TTL" envDefault:"7d"`

	PublicRegistration            bool     `env:"PUBLIC_REGISTRATION" envDefault:"false"`
	PublicRegistrationVerifyEmail bool     `env:"PUBLIC_REGISTRATION_VERIFY_EMAIL" envDefault:"true"`
	PublicRegistrationRole        string   `env:"PUBLIC_REGISTRATION_ROLE"`
	PublicRegistrationEmailFilter []string `env:"PUBLIC_REGISTRATION_EMAIL_FILTER" envSeparator:","`
	RegisterStallTime             Duration `env:"REGISTER_STALL_TIME" envDefault:"750"`

	Email Email

	GraphQLPlayground      bool `env:"GRAPHQL_PLAYGROUND" envDefault:"true"`
	GraphQLIntrospection   bool `env:"GRAPHQL_INTROSPECTION" envDefault:"true"`
	GraphQLComplexityLimit int  `env:"GRAPHQL_COMPLEXITY_LIMIT" envDefault:"200"`
}

// DB selects and reaches the database.
type DB struct {
	Client           string `env:"DB_CLIENT" envDefault:"sqlite3"`
	Filename         string `env:"DB_FILENAME" envDefault:"./data/gatehouse.db"`
	ConnectionString string `env:"DB_CONNECTION_STRING"`
	Host             string `env:"DB_HOST" envDefault:"127.0.0.1"`
	Port             int    `env:"DB_PORT" envDefault:"5432"`
	Database         string `env:"DB_DATABASE" envDefault:"gatehouse"`
	User             string `env:"DB_USER" envDefault:"postgres"`
	Password         string `env:"DB_PASSWORD"`
	PoolMax          int    `env:"DB_POOL_MAX" envDefault:"0"`
	// Pooler is "transaction" when DB_CONNECTION_STRING reaches PostgreSQL
	// through a transaction-mode pooler (PgBouncer, Supavisor, RDS Proxy):
	// nothing then relies on session state.
	Pooler string `env:"DB_POOLER"`
	// DirectURL reaches PostgreSQL without the pooler; migrations use it.
	DirectURL string `env:"DB_DIRECT_URL"`
}

// Cookie holds one cookie's Directus settings (REFRESH_TOKEN_COOKIE_*, SESSION_COOKIE_*).
type Cookie struct {
	Name     string `env:"NAME"`
	Domain   string `env:"DOMAIN"`
	Secure   *bool  `env:"SECURE"`
	SameSite string `env:"SAME_SITE" envDefault:"lax"`
}

// Email configures delivery (Directus's EMAIL_* names).
type Email struct {
	Transport     string `env:"EMAIL_TRANSPORT"` // smtp or file; default: smtp when EMAIL_SMTP_HOST is set, else file
	From          string `env:"EMAIL_FROM" envDefault:"no-reply@example.com"`
	TemplatesPath string `env:"EMAIL_TEMPLATES_PATH" envDefault:"./templates"`
	MaxAttempts   int    `env:"EMAIL_MAX_ATTEMPTS" envDefault:"8"`
	SMTPHost      string `env:"EMAIL_SMTP_HOST"`
	SMTPPort      int    `env:"EMAIL_SMTP_PORT"`
	SMTPUser      string `env:"EMAIL_SMTP_USER"`
	SMTPPassword  string `env:"EMAIL_SMTP_PASSWORD"`
	SMTPSecure    bool   `env:"EMAIL_SMTP_SECURE"`
	SMTPIgnoreTLS bool   `env:"EMAIL_SMTP_IGNORE_TLS"`
	SMTPName      string `env:"EMAIL_SMTP_NAME"`

	// OutboxRetention is how long sent, abandoned and expired messages stay
	// in the outbox (their bodies are dropped at once; the row is for operators).
	OutboxRetention Duration `env:"EMAIL_OUTBOX_RETENTION" envDefault:"7d"`
}

// Hash holds argon2id parameters (HASH_*) and the concurrency cap.
type Hash struct {
	MemoryCost    uint32   `env:"HASH_MEMORY_COST" envDefault:"19456"`
	TimeCost      uint32   `env:"HASH_TIME_COST" envDefault:"2"`
	Parallelism   uint8    `env:"HASH_PARALLELISM" envDefault:"1"`
	HashLength    uint32   `env:"HASH_HASH_LENGTH" envDefault:"32"`
	MaxConcurrent int      `env:"HASH_MAX_CONCURRENT"`
	QueueTimeout  Duration `env:"HASH_QUEUE_TIMEOUT" envDefault:"2s"`
}

// fileVars may be given as NAME_FILE, naming a file that holds the value.
var fileVars = []string{"SECRET", "DIRECTUS_SECRET", "ADMIN_PASSWORD", "DB_PASSWORD", "DB_CONNECTION_STRING", "DB_DIRECT_URL", "EMAIL_SMTP_PASSWORD", "REDIS_PASSWORD"}

// Load reads the configuration from environ (os.Environ() form) and validates it.
// Error messages name the variable, never its value.
func Load(environ []string) (*Config, error) {
	vars := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	for _, name := range fileVars {
		path, ok := vars[name+"_FILE"]
		if !ok || path == "" {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s_FILE: cannot read %s: %w", name, path, errors.Unwrap(err))
		}
		vars[name] = strings.TrimRight(string(b), "\r\n")
	}
	var c Config
	if err := env.ParseWithOptions(&c, env.Options{Environment: vars}); err != nil {
		return nil, namedErrors(err)
	}
	if c.RefreshCookie.Name == "" {
		c.RefreshCookie.Name = "directus_refresh_token"
	}
	if c.SessionCookie.Name == "" {
		c.SessionCookie.Name = "directus_session_token"
	}
	c.Ops.applyMetricsAddr(vars)
	if c.Hash.MaxConcurrent <= 0 {
		c.Hash.MaxConcurrent = runtime.NumCPU()
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	return &c, c.validate()
}

func (c *Config) validate() error {
	var errs []error
	bad := func(name, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{name}, a...)...))
	}
	switch c.DB.Client {
	case "sqlite3", "sqlite":
		c.DB.Client = "sqlite3"
	case "pg", "postgres", "postgresql":
		c.DB.Client = "pg"
	default:
		bad("DB_CLIENT", "must be sqlite3 or pg, got %q", c.DB.Client)
	}
	switch c.DB.Pooler = strings.ToLower(c.DB.Pooler); c.DB.Pooler {
	case "", "transaction":
	case "none", "session":
		// A session pooler keeps a server connection per client: nothing to avoid.
		c.DB.Pooler = ""
	default:
		bad("DB_POOLER", "must be transaction, session or none, got %q", c.DB.Pooler)
	}
	if (c.DB.Pooler != "" || c.DB.DirectURL != "") && c.DB.Client != "pg" {
		bad("DB_POOLER", "and DB_DIRECT_URL apply to DB_CLIENT=pg only")
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("PUBLIC_URL", "must be an absolute http(s) URL")
	}
	switch c.JWTAlgorithm {
	case "ES256", "EdDSA", "RS256":
	default:
		bad("JWT_ALGORITHM", "must be ES256, EdDSA or RS256, got %q", c.JWTAlgorithm)
	}
	if c.JWTIssuer == "" {
		bad("JWT_ISSUER", "must not be empty")
	}
	for name, d := range map[string]Duration{"ACCESS_TOKEN_TTL": c.AccessTokenTTL, "REFRESH_TOKEN_TTL": c.RefreshTokenTTL,
		"SESSION_COOKIE_TTL": c.SessionCookieTTL, "SESSION_MAX_LIFETIME": c.SessionMaxLifetime, "EMAIL_CHANGE_TOKEN_TTL": c.EmailChangeTokenTTL} {
		if d <= 0 {
			bad(name, "must be longer than zero")
		}
	}
	for name, ck := range map[string]Cookie{"REFRESH_TOKEN_COOKIE_SAME_SITE": c.RefreshCookie, "SESSION_COOKIE_SAME_SITE": c.SessionCookie} {
		switch strings.ToLower(ck.SameSite) {
		case "lax", "strict", "none", "":
		default:
			bad(name, "must be lax, strict or none, got %q", ck.SameSite)
		}
	}
	if c.AuthPrivilegedSessionMaxAge < 0 {
		bad("AUTH_PRIVILEGED_SESSION_MAX_AGE", "must be 0 (always ask) or more")
	}
	if c.AuthLoginAttempts < 0 {
		bad("AUTH_LOGIN_ATTEMPTS", "must be 0 (unlimited) or more")
	}
	if c.RequestTimeout <= c.LoginStallTime || c.RequestTimeout <= c.PasswordResetStallTime {
		bad("REQUEST_TIMEOUT", "must be longer than LOGIN_STALL_TIME and PASSWORD_RESET_STALL_TIME")
	}
	c.validateKeys(bad)
	if c.PurgeInterval <= 0 {
		bad("PURGE_INTERVAL", "must be longer than zero")
	}
	if c.MaxPayloadSize <= 0 {
		bad("MAX_PAYLOAD_SIZE", "must be larger than zero")
	}
	// The same bounds as internal/password's for stored hashes, so our own
	// hashes always verify.
	if c.Hash.MemoryCost < 8 || c.Hash.MemoryCost > 256<<10 {
		bad("HASH_MEMORY_COST", "must be between 8 and 262144 (KiB)")
	}
	if c.Hash.TimeCost < 1 || c.Hash.TimeCost > 16 {
		bad("HASH_TIME_COST", "must be between 1 and 16")
	}
	if c.Hash.Parallelism < 1 || c.Hash.Parallelism > 16 {
		bad("HASH_PARALLELISM", "must be between 1 and 16")
	}
	if c.Hash.HashLength < 16 || c.Hash.HashLength > 1024 {
		bad("HASH_HASH_LENGTH", "must be between 16 and 1024")
	}
	if c.PasswordMinLength < 1 || c.PasswordMinLength > 256 {
		bad("PASSWORD_MIN_LENGTH", "must be between 1 and 256")
	}
	if c.AuthPasswordPolicy != "" {
		if _, err := regexp.Compile(strings.TrimSuffix(strings.TrimPrefix(c.AuthPasswordPolicy, "/"), "/")); err != nil {
			bad("AUTH_PASSWORD_POLICY", "is not a valid regular expression")
		}
	}
	if c.Secret != "" && len(c.Secret) < 32 {
		bad("SECRET", "must be at least 32 characters")
	}
	if c.Email.Transport == "" {
		c.Email.Transport = "file"
		if c.Email.SMTPHost != "" {
			c.Email.Transport = "smtp"
		}
	}
	switch c.Email.Transport {
	case "file":
	case "smtp":
		if c.Email.SMTPHost == "" {
			bad("EMAIL_SMTP_HOST", "is required when EMAIL_TRANSPORT is smtp")
		}
	default:
		bad("EMAIL_TRANSPORT", "must be smtp or file, got %q", c.Email.Transport)
	}
	if c.Email.MaxAttempts < 1 {
		bad("EMAIL_MAX_ATTEMPTS", "must be 1 or more")
	}
	if c.Email.OutboxRetention <= 0 {
		bad("EMAIL_OUTBOX_RETENTION", "must be longer than zero")
	}
	if c.PublicRegistrationRole != "" && !uuidLike(c.PublicRegistrationRole) {
		bad("PUBLIC_REGISTRATION_ROLE", "must be a role id (a UUID)")
	}
	if c.PasswordResetTokenTTL <= 0 {
		bad("PASSWORD_RESET_TOKEN_TTL", "must be longer than zero")
	}
	if c.GraphQLComplexityLimit < 1 {
		bad("GRAPHQL_COMPLEXITY_LIMIT", "must be 1 or more")
	}
	if c.Port < 0 || c.Port > 65535 {
		bad("PORT", "must be a TCP port number")
	}
	if err := c.Directus.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Ops.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// validateKeys checks the key rotation settings.
func (c *Config) validateKeys(bad func(name, format string, a ...any)) {
	switch m := c.JWKSMaxAge.D(); {
	case m < time.Second || m > 24*time.Hour:
		bad("JWKS_MAX_AGE", "must be between 1s and 1d")
	case m%time.Second != 0:
		bad("JWKS_MAX_AGE", "must be whole seconds (it is sent as Cache-Control max-age)")
	}
	if r := c.KeysReloadInterval.D(); r < 100*time.Millisecond || r > time.Hour {
		bad("KEYS_RELOAD_INTERVAL", "must be between 100ms and 1h")
	}
	if e := c.KeysRotateEvery; e != 0 && e <= c.JWKSMaxAge+c.KeysReloadInterval {
		bad("KEYS_ROTATE_EVERY", "must be 0 (off) or longer than JWKS_MAX_AGE plus KEYS_RELOAD_INTERVAL")
	}
}

// KeyPublishFor is how long a rotated-in key is published before it signs:
// every verifier that honours the JWKS max-age has it by then, and every
// instance has reloaded it.
func (c *Config) KeyPublishFor() time.Duration { return c.JWKSMaxAge.D() + c.KeysReloadInterval.D() }

// Addr is the listen address.
func (c *Config) Addr() string { return fmt.Sprintf("%s:%d", c.Host, c.Port) }

// SecureDefault is whether cookies get Secure when *_COOKIE_SECURE is unset:
// on when the public URL is https.
func (c *Config) SecureDefault() bool { return strings.HasPrefix(c.PublicURL, "https://") }

// CookieSecure resolves a cookie's Secure flag.
func (c *Config) CookieSecure(ck Cookie) bool {
	if ck.Secure != nil {
		return *ck.Secure
	}
	return c.SecureDefault()
}

// SecretFile is where a generated SECRET is kept when none is configured.
func (c *Config) SecretFile() string { return filepath.Join(c.DataDir, "secret") }

// DSN is the PostgreSQL connection string.
func (d DB) DSN() string {
	if d.ConnectionString != "" {
		return d.ConnectionString
	}
	u := url.URL{Scheme: "postgres", Host: fmt.Sprintf("%s:%d", d.Host, d.Port), Path: "/" + d.Database}
	if d.Password != "" {
		u.User = url.UserPassword(d.User, d.Password)
	} else {
		u.User = url.User(d.User)
	}
	return u.String()
}

func uuidLike(s string) bool {
	return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`).MatchString(s)
}

// namedErrors rewrites the parser's errors to name the variable, not the Go field.
func namedErrors(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return fmt.Errorf("configuration: %w", err)
	}
	names := envNames(reflect.TypeOf(Config{}), "")
	out := make([]error, 0, len(agg.Errors))
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) && names[pe.Name] != "" {
			out = append(out, fmt.Errorf("%s: %w", names[pe.Name], pe.Err))
			continue
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}

// envNames maps struct field names to their environment variable names.
func envNames(t reflect.Type, prefix string) map[string]string {
	m := map[string]string{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Type.Kind() == reflect.Struct {
			for k, v := range envNames(f.Type, prefix+f.Tag.Get("envPrefix")) {
				m[k] = v
			}
			continue
		}
		if tag, _, _ := strings.Cut(f.Tag.Get("env"), ","); tag != "" {
			m[f.Name] = prefix + tag
		}
	}
	return m
}
