// Package config reads Gatehouse's settings from environment variables, using
// Directus's names and defaults where Directus has them. docs/configuration.md
// is generated from the comments and tags below (reference_test.go).
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

//go:generate go test -run ^TestConfigurationReference$ -update

// Config is every setting Gatehouse reads at start.
type Config struct {
	// Address the HTTP server listens on.
	Host string `env:"HOST" envDefault:"0.0.0.0"`
	// Port the HTTP server listens on (0 picks a free one, printed in the start log).
	Port int `env:"PORT" envDefault:"8055" min:"0" max:"65535"`
	// URL clients reach Gatehouse at: links in emails, the cookies' Secure default, the trusted Origin.
	PublicURL string `env:"PUBLIC_URL" envDefault:"http://localhost:8055"`
	// Directory for what Gatehouse writes itself: the generated SECRET (`DATA_DIR/secret`), the SQLite database, `.eml` files of the file transport.
	DataDir string `env:"DATA_DIR" envDefault:"./data"`
	// `debug`, `info`, `warn` or `error`.
	LogLevel string `env:"LOG_LEVEL" envDefault:"info"`
	// `text` or `json` (Directus's `pretty` and `raw` are read as these).
	LogStyle string `env:"LOG_STYLE" envDefault:"text"`

	DB DB

	// Seals signing keys, TOTP secrets and queued email bodies, and keys refresh tokens: at least 32 characters, the same on every instance, and kept (a new SECRET cannot open what the old one sealed). Unset: generated once into `DATA_DIR/secret`.
	Secret string `env:"SECRET" secret:"true" docDefault:"generated into DATA_DIR/secret"`

	Directus Directus // after `gatehouse import directus` (directus.go)

	// Lifetime of an access token (a bare number counts milliseconds, as in Directus).
	AccessTokenTTL Duration `env:"ACCESS_TOKEN_TTL" envDefault:"15m" min:"1s" max:"3650d"`
	// Lifetime of a refresh token, from its last rotation.
	RefreshTokenTTL Duration `env:"REFRESH_TOKEN_TTL" envDefault:"7d" min:"1s" max:"3650d"`
	// Lifetime of the session-mode cookie and its token.
	SessionCookieTTL Duration `env:"SESSION_COOKIE_TTL" envDefault:"1d" min:"1s" max:"3650d"`
	// How long a just-rotated refresh token still returns the session's current one (concurrent refreshes); later reuse revokes the session.
	SessionRefreshGracePeriod Duration `env:"SESSION_REFRESH_GRACE_PERIOD" envDefault:"10s" min:"0" max:"1d"`
	// Absolute limit on a session, counted from its login: refreshing slides REFRESH_TOKEN_TTL but never past this; then the refresh fails (401) and the session is deleted. There is no "forever".
	SessionMaxLifetime Duration `env:"SESSION_MAX_LIFETIME" envDefault:"30d" min:"1s" max:"3650d"`

	// Changing your own password, email or 2FA needs a recent login or the current password; `false` restores Directus's behaviour.
	AuthReauthentication bool `env:"AUTH_REAUTHENTICATION" envDefault:"true"`
	// How long after a login (not a refresh) such changes need no password; 0 always asks.
	AuthPrivilegedSessionMaxAge Duration `env:"AUTH_PRIVILEGED_SESSION_MAX_AGE" envDefault:"15m" min:"0" max:"3650d"`
	// Lifetime of the link that confirms a new email address.
	EmailChangeTokenTTL Duration `env:"EMAIL_CHANGE_TOKEN_TTL" envDefault:"1h" min:"1s" max:"3650d"`

	// The refresh-token cookie (cookie mode).
	RefreshCookie Cookie `envPrefix:"REFRESH_TOKEN_COOKIE_" defaults:"NAME=directus_refresh_token"`
	// The session cookie (session mode).
	SessionCookie Cookie `envPrefix:"SESSION_COOKIE_" defaults:"NAME=directus_session_token"`

	// `ES256`, `EdDSA` or `RS256`: the algorithm of new signing keys.
	JWTAlgorithm string `env:"JWT_ALGORITHM" envDefault:"ES256"`
	// The `iss` claim of every token.
	JWTIssuer string `env:"JWT_ISSUER" envDefault:"gatehouse"`
	// The Cache-Control max-age /.well-known/jwks.json is served with (whole seconds); a rotated-in key is published this long plus KEYS_RELOAD_INTERVAL before it signs.
	JWKSMaxAge Duration `env:"JWKS_MAX_AGE" envDefault:"60s" min:"1s" max:"1d"`
	// How far an instance's key set may lag the database (each instance reloads it on its own).
	KeysReloadInterval Duration `env:"KEYS_RELOAD_INTERVAL" envDefault:"30s" min:"100ms" max:"1h"`
	// Stage a new signing key automatically so each key signs this long; 0 = off (rotate with `gatehouse keys rotate`).
	KeysRotateEvery Duration `env:"KEYS_ROTATE_EVERY" envDefault:"0" min:"0" max:"3650d"`

	// Minimum login response time, so that outcomes cannot be told apart by timing (a bare number counts milliseconds).
	LoginStallTime Duration `env:"LOGIN_STALL_TIME" envDefault:"500" min:"0" max:"60s"`
	// Consecutive failed logins before the account is suspended; 0 = unlimited.
	AuthLoginAttempts int `env:"AUTH_LOGIN_ATTEMPTS" envDefault:"25" min:"0" max:"1000000"`
	// Larger request bodies are answered 413.
	MaxPayloadSize ByteSize `env:"MAX_PAYLOAD_SIZE" envDefault:"1mb" min:"1kb" max:"1gb"`
	// Deadline on one request's work (a database that does not answer gives 503); longer than LOGIN_STALL_TIME and PASSWORD_RESET_STALL_TIME.
	RequestTimeout Duration `env:"REQUEST_TIMEOUT" envDefault:"20s" min:"10ms" max:"1h"`
	// How often expired sessions and tokens, and outbox messages past EMAIL_OUTBOX_RETENTION, are deleted.
	PurgeInterval Duration `env:"PURGE_INTERVAL" envDefault:"10m" min:"1s" max:"30d"`

	Hash Hash

	// Minimum length of a new password (a list of common passwords is always refused too).
	PasswordMinLength int `env:"PASSWORD_MIN_LENGTH" envDefault:"8" min:"1" max:"256"`
	// A regular expression new passwords must match (Directus's `/…/` form accepted).
	AuthPasswordPolicy string `env:"AUTH_PASSWORD_POLICY"`

	// Email of the first admin, created at the first start when no admin exists.
	AdminEmail string `env:"ADMIN_EMAIL" envDefault:"admin@example.com"`
	// Password of the first admin; unset, one is generated and printed once.
	AdminPassword string `env:"ADMIN_PASSWORD" secret:"true" docDefault:"generated, printed once"`
	// A static token for the first admin.
	AdminToken string `env:"ADMIN_TOKEN" secret:"true"`

	Ops Ops

	// Shown in emails and as the TOTP issuer.
	ProjectName string `env:"PROJECT_NAME" envDefault:"Gatehouse"`
	// `reset_url`s a password-reset request may name (same scheme, host, port and path; query ignored); unset allows none.
	PasswordResetURLAllowList []string `env:"PASSWORD_RESET_URL_ALLOW_LIST" envSeparator:","`
	// Lifetime of a password-reset link.
	PasswordResetTokenTTL Duration `env:"PASSWORD_RESET_TOKEN_TTL" envDefault:"1h" min:"1s" max:"3650d"`
	// Minimum response time of a password-reset request.
	PasswordResetStallTime Duration `env:"PASSWORD_RESET_STALL_TIME" envDefault:"500ms" min:"0" max:"60s"`
	// Custom invite links allowed (`invite_url`).
	UserInviteURLAllowList []string `env:"USER_INVITE_URL_ALLOW_LIST" envSeparator:","`
	// Lifetime of an invite.
	UserInviteTokenTTL Duration `env:"USER_INVITE_TOKEN_TTL" envDefault:"7d" min:"1s" max:"3650d"`
	// Custom email-verification links allowed (`verification_url`).
	UserRegisterURLAllowList []string `env:"USER_REGISTER_URL_ALLOW_LIST" envSeparator:","`
	// Lifetime of an email-verification link.
	EmailVerificationTokenTTL Duration `env:"EMAIL_VERIFICATION_TOKEN_TTL" envDefault:"7d" min:"1s" max:"3650d"`

	// Self-registration (`POST /users/register`).
	PublicRegistration bool `env:"PUBLIC_REGISTRATION" envDefault:"false"`
	// Whether a self-registered account needs a verified email.
	PublicRegistrationVerifyEmail bool `env:"PUBLIC_REGISTRATION_VERIFY_EMAIL" envDefault:"true"`
	// Role id (a UUID) given to self-registered users.
	PublicRegistrationRole string `env:"PUBLIC_REGISTRATION_ROLE"`
	// Email domains allowed to register; unset allows all.
	PublicRegistrationEmailFilter []string `env:"PUBLIC_REGISTRATION_EMAIL_FILTER" envSeparator:","`
	// Minimum response time of a registration (a bare number counts milliseconds).
	RegisterStallTime Duration `env:"REGISTER_STALL_TIME" envDefault:"750" min:"0" max:"60s"`

	Email Email

	// The GraphiQL playground on `GET /graphql` in a browser.
	GraphQLPlayground bool `env:"GRAPHQL_PLAYGROUND" envDefault:"true"`
	// GraphQL introspection.
	GraphQLIntrospection bool `env:"GRAPHQL_INTROSPECTION" envDefault:"true"`
	// Largest complexity of one GraphQL operation.
	GraphQLComplexityLimit int `env:"GRAPHQL_COMPLEXITY_LIMIT" envDefault:"200" min:"1" max:"1000000"`
}

// DB selects and reaches the database.
type DB struct {
	// `sqlite3` (embedded) or `pg` (PostgreSQL; `postgres` and `postgresql` also read).
	Client string `env:"DB_CLIENT" envDefault:"sqlite3"`
	// The SQLite database file (WAL mode). The start log prints its absolute path.
	Filename string `env:"DB_FILENAME" docDefault:"DATA_DIR/gatehouse.db"`
	// A PostgreSQL URL or key=value string; when set, DB_HOST…DB_PASSWORD are not read. Several hosts (`postgres://u@a:5432,b:5432/db?target_session_attrs=read-write`) follow a failover to whichever is the primary.
	ConnectionString string `env:"DB_CONNECTION_STRING" secret:"true"`
	// PostgreSQL host.
	Host string `env:"DB_HOST" envDefault:"127.0.0.1"`
	// PostgreSQL port.
	Port int `env:"DB_PORT" envDefault:"5432" min:"1" max:"65535"`
	// PostgreSQL database.
	Database string `env:"DB_DATABASE" envDefault:"gatehouse"`
	// PostgreSQL user.
	User string `env:"DB_USER" envDefault:"postgres"`
	// PostgreSQL password.
	Password string `env:"DB_PASSWORD" secret:"true"`
	// Connection pool size; 0 sizes it to the machine: on PostgreSQL 4 × cores + 8, at most half of the server's `max_connections` (less reserved). A larger explicit value than the server allows stops the start.
	PoolMax int `env:"DB_POOL_MAX" envDefault:"0" min:"0" max:"10000"`
	// `transaction` when DB_CONNECTION_STRING reaches PostgreSQL through a transaction-mode pooler (PgBouncer, Supavisor, RDS Proxy): nothing then relies on session state; `session` or `none` for no such pooler.
	Pooler string `env:"DB_POOLER"`
	// A PostgreSQL connection string that bypasses the pooler; migrations run through it (else under a transaction-level lock through the pooler).
	DirectURL string `env:"DB_DIRECT_URL" secret:"true"`
}

// Cookie holds one cookie's Directus settings (REFRESH_TOKEN_COOKIE_*, SESSION_COOKIE_*).
type Cookie struct {
	// Name (a cookie-name token).
	Name string `env:"NAME"`
	// Domain attribute; unset: the host only.
	Domain string `env:"DOMAIN"`
	// Secure attribute.
	Secure *bool `env:"SECURE" docDefault:"true when PUBLIC_URL is https"`
	// SameSite attribute: `lax`, `strict` or `none`.
	SameSite string `env:"SAME_SITE" envDefault:"lax"`
}

// Email configures delivery (Directus's EMAIL_* names).
type Email struct {
	// `smtp`, or `file` (each message written as `.eml` under `DATA_DIR/mail`).
	Transport string `env:"EMAIL_TRANSPORT" docDefault:"smtp when EMAIL_SMTP_HOST is set, else file"`
	// Sender address.
	From string `env:"EMAIL_FROM" envDefault:"no-reply@example.com"`
	// Directory of template overrides (`password-reset`, `user-invitation`, `user-registration`, `email-change`, `email-changed` as `.html`/`.txt`, Go template syntax).
	TemplatesPath string `env:"EMAIL_TEMPLATES_PATH" envDefault:"./templates"`
	// Delivery attempts before a message is abandoned.
	MaxAttempts int `env:"EMAIL_MAX_ATTEMPTS" envDefault:"8" min:"1" max:"1000"`
	// SMTP server.
	SMTPHost string `env:"EMAIL_SMTP_HOST"`
	// SMTP port; 0 picks 465 with EMAIL_SMTP_SECURE, else 587.
	SMTPPort int `env:"EMAIL_SMTP_PORT" min:"0" max:"65535"`
	// SMTP user.
	SMTPUser string `env:"EMAIL_SMTP_USER"`
	// SMTP password.
	SMTPPassword string `env:"EMAIL_SMTP_PASSWORD" secret:"true"`
	// Implicit TLS (otherwise STARTTLS when the server offers it).
	SMTPSecure bool `env:"EMAIL_SMTP_SECURE"`
	// Never STARTTLS: plain text (a local relay).
	SMTPIgnoreTLS bool `env:"EMAIL_SMTP_IGNORE_TLS"`
	// The name given in HELO/EHLO.
	SMTPName string `env:"EMAIL_SMTP_NAME"`

	// How long sent, abandoned and expired messages stay in the outbox (their bodies are dropped at once; the row is for operators).
	OutboxRetention Duration `env:"EMAIL_OUTBOX_RETENTION" envDefault:"7d" min:"1s" max:"3650d"`
}

// Hash holds argon2id parameters (HASH_*) and the concurrency cap.
type Hash struct {
	// argon2id memory, KiB (bounded as stored hashes are, so every hash made verifies).
	MemoryCost uint32 `env:"HASH_MEMORY_COST" envDefault:"19456" min:"8" max:"262144"`
	// argon2id passes.
	TimeCost uint32 `env:"HASH_TIME_COST" envDefault:"2" min:"1" max:"16"`
	// argon2id lanes.
	Parallelism uint8 `env:"HASH_PARALLELISM" envDefault:"1" min:"1" max:"16"`
	// argon2id output length, bytes.
	HashLength uint32 `env:"HASH_HASH_LENGTH" envDefault:"32" min:"16" max:"1024"`
	// Hashes computed at once; the rest wait (0: the number of CPUs).
	MaxConcurrent int `env:"HASH_MAX_CONCURRENT" docDefault:"number of CPUs" min:"0" max:"1024"`
	// How long a hash waits for a slot before the request gets 503.
	QueueTimeout Duration `env:"HASH_QUEUE_TIMEOUT" envDefault:"2s" min:"0" max:"1h"`
}

// Load reads the configuration from environ (os.Environ() form) and validates
// it. Each error names its variable, never a secret's value.
func Load(environ []string) (*Config, error) {
	all := settings()
	vars, err := environMap(environ, all)
	if err != nil {
		return nil, err
	}
	var c Config
	if err := fill(&c, vars, all); err != nil {
		return nil, err
	}
	if c.DB.Filename == "" {
		// The database lives with the secret: a volume on DATA_DIR keeps both.
		c.DB.Filename = strings.TrimRight(c.DataDir, `/\`) + string(filepath.Separator) + "gatehouse.db"
	}
	if c.Hash.MaxConcurrent <= 0 {
		c.Hash.MaxConcurrent = runtime.NumCPU()
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	return &c, c.validate()
}

// validate checks what one value's type and bounds cannot: choices and
// relations between settings, section by section (validate.go).
func (c *Config) validate() error {
	return errors.Join(c.validateServer(), c.validateDB(), c.validateTokens(), c.validateCookies(),
		c.validatePasswords(), c.validateStalls(), c.validateEmail(), c.validateRegistration(),
		c.Directus.validate(), c.Ops.Validate())
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

// Location says where the database is, for the start log: the SQLite file's
// absolute path, or PostgreSQL's servers, user and database (never the password).
func (d DB) Location() string {
	if d.Client != "pg" {
		if abs, err := filepath.Abs(d.Filename); err == nil {
			return abs
		}
		return d.Filename
	}
	pc, err := pgconn.ParseConfig(d.DSN())
	if err != nil {
		return "(a connection string that does not parse)"
	}
	hosts := []string{net.JoinHostPort(pc.Host, strconv.Itoa(int(pc.Port)))}
	for _, f := range pc.Fallbacks {
		if hp := net.JoinHostPort(f.Host, strconv.Itoa(int(f.Port))); !slices.Contains(hosts, hp) {
			hosts = append(hosts, hp)
		}
	}
	return fmt.Sprintf("postgres://%s@%s/%s", pc.User, strings.Join(hosts, ","), pc.Database)
}
