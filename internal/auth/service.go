// Package auth holds every authentication rule of Gatehouse. Transports (REST
// in internal/rest, GraphQL in graph/) decode input, call a Service method and
// encode the result; they decide nothing.
package auth

import (
	"context"
	"crypto/cipher"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"github.com/gatehouse/gatehouse/internal/seal"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/models"
)

// Store is what the service needs from storage.
type Store interface {
	UserByEmail(ctx context.Context, emailLower string) (*models.User, error)
	UserByID(ctx context.Context, id string) (*models.User, error)
	UserRecord(ctx context.Context, id string) (*models.User, error)
	ActiveUserByTokenHash(ctx context.Context, hash string) (*models.User, error)
	CreateUser(ctx context.Context, u *models.User) error
	ReserveAttempt(ctx context.Context, userID string, limit int, now, hold time.Time) (store.Reservation, error)
	EndAttempt(ctx context.Context, userID string, outcome int) (int, error)
	SuspendIfSpent(ctx context.Context, userID string, limit int, now time.Time) (bool, error)
	TouchLastAccess(ctx context.Context, userID string, now, since time.Time) error
	UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error)
	HasAdmin(ctx context.Context) (bool, error)
	AdminRole(ctx context.Context) (*models.Role, error)
	CreateRole(ctx context.Context, r *models.Role) error

	StartSession(ctx context.Context, sess *models.Session, newHash string, a *models.Activity) error
	Session(ctx context.Context, id string) (*models.Session, error)
	SessionWithUser(ctx context.Context, id string) (*models.Session, error)
	ReadAndRotate(ctx context.Context, id string, from int64, now, expires time.Time) (*models.Session, bool, error)
	DeleteSession(ctx context.Context, id string) (bool, error)
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
	DeleteUserSessions(ctx context.Context, userID, except string) error
	UserSessions(ctx context.Context, userID string, now time.Time) ([]models.Session, error)
	DeleteSpentTokens(ctx context.Context, now time.Time) (int64, error)

	IssueToken(ctx context.Context, t *models.OneTimeToken, m *models.Message) error
	Token(ctx context.Context, hash string) (*models.OneTimeToken, error)
	ResetPassword(ctx context.Context, tokenHash, userID, newHash string, now time.Time) (bool, error)

	ListUsers(ctx context.Context, f store.UserFilter) ([]models.User, error)
	UpdateUser(ctx context.Context, u *models.User, columns []string, endSessions bool, keepSession string) error
	DeleteUser(ctx context.Context, id string) error
	Roles(ctx context.Context) ([]models.Role, error)
	Role(ctx context.Context, id string) (*models.Role, error)
	CreateUserWithToken(ctx context.Context, u *models.User, t *models.OneTimeToken, m *models.Message) error
	SpendToken(ctx context.Context, hash string, now time.Time, u *models.User, columns []string) (bool, error)
	ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string, now time.Time) error
	UseRecoveryCode(ctx context.Context, userID, hash string, now time.Time) (bool, error)
	RecoveryCodesLeft(ctx context.Context, userID string) (int, error)

	InsertActivity(ctx context.Context, a *models.Activity) error
	Ping(ctx context.Context) error

	ChangeEmail(ctx context.Context, tokenHash string, u *models.User, keepSession string, now time.Time, notice *models.Message) (bool, error)
	NonASCIIEmails(ctx context.Context) ([]models.User, error)
	SetEmailKey(ctx context.Context, userID, key string) error
}

// Metrics records what operators graph (internal/metrics).
type Metrics interface {
	LoginOutcome(outcome string)
	RefreshReuse()
}

type noMetrics struct{}

func (noMetrics) LoginOutcome(string) {}
func (noMetrics) RefreshReuse()       {}

// Limiter counts attempts per key (internal/ratelimit).
type Limiter interface {
	Allow(ctx context.Context, key string) (ratelimit.Result, error)
	Reset(ctx context.Context, key string) error
}

// Limits are the service's own limiters: per account for logins and reset
// requests, per client IP for registrations.
type Limits struct {
	Login           Limiter
	PasswordRequest Limiter
	Registration    Limiter
}

// allow consults l for key; a nil limiter allows everything, and a limiter
// that fails (Redis down) lets the request through rather than lock users out.
func (s *Service) allow(ctx context.Context, l Limiter, key string) (ratelimit.Result, bool) {
	if l == nil || isNil(l) {
		return ratelimit.Result{Allowed: true}, true
	}
	res, err := l.Allow(ctx, key)
	if err != nil {
		s.log.WarnContext(ctx, "rate limiter unavailable; allowing the request", "err", err)
		return ratelimit.Result{Allowed: true}, true
	}
	return res, res.Allowed
}

func isNil(l Limiter) bool {
	v := reflect.ValueOf(l)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// Hasher hashes and verifies passwords (internal/password).
type Hasher interface {
	Hash(ctx context.Context, plain string) (string, error)
	Verify(ctx context.Context, encoded, plain string) (match, rehash bool, err error)
}

// Signer signs and verifies access tokens (internal/token).
type Signer interface {
	Sign(c token.Claims, ttl time.Duration) (string, time.Time, error)
	Verify(ctx context.Context, raw string) (token.Claims, error)
}

// RefreshCodec encodes opaque refresh tokens (internal/token).
type RefreshCodec interface {
	Encode(sessionID string, generation int64) string
	Decode(tok string) (sessionID string, generation int64, err error)
}

// Settings are the rules' tunables, read from configuration by the caller.
type Settings struct {
	AccessTTL     time.Duration // ACCESS_TOKEN_TTL
	RefreshTTL    time.Duration // REFRESH_TOKEN_TTL
	SessionTTL    time.Duration // SESSION_COOKIE_TTL
	Grace         time.Duration // SESSION_REFRESH_GRACE_PERIOD
	MaxLifetime   time.Duration // SESSION_MAX_LIFETIME: a session's absolute limit from its login
	LoginStall    time.Duration // LOGIN_STALL_TIME
	LoginAttempts int           // AUTH_LOGIN_ATTEMPTS; 0 = unlimited
	PublicURL     string
	CORSOrigins   []string // origins trusted for cookie-authenticated requests
	AnyOrigin     bool     // CORS_ORIGIN=true: every origin is trusted
	CORSEnabled   bool     // CORS_ENABLED, only to say what to change when an origin is refused
	RefreshCookie CookieSpec
	SessionCookie CookieSpec

	ProjectName  string        // PROJECT_NAME, for emails and the TOTP issuer
	ResetURLs    URLAllowList  // PASSWORD_RESET_URL_ALLOW_LIST
	ResetTTL     time.Duration // PASSWORD_RESET_TOKEN_TTL
	RequestStall time.Duration // floor on password-request responses

	InviteURLs   URLAllowList  // USER_INVITE_URL_ALLOW_LIST
	InviteTTL    time.Duration // USER_INVITE_TOKEN_TTL
	Registration Registration

	Reauth         bool          // AUTH_REAUTHENTICATION: privileged changes need a recent login or the password
	PrivilegedAge  time.Duration // AUTH_PRIVILEGED_SESSION_MAX_AGE
	EmailChangeTTL time.Duration // EMAIL_CHANGE_TOKEN_TTL
}

// Deps are the service's collaborators.
type Deps struct {
	Store   Store
	Hasher  Hasher
	Signer  Signer
	Refresh RefreshCodec
	Policy  PasswordPolicy      // nil = no policy
	Mailer  Mailer              // renders token emails
	Notify  Notifier            // wakes the outbox worker; may be nil
	Secret  []byte              // SECRET: seals TOTP secrets and queued email bodies at rest
	Metrics Metrics             // may be nil
	Limits  Limits              // per-account and per-IP limiters; nil ones are off
	Now     func() time.Time    // nil = time.Now; tests inject a clock
	Sleep   func(time.Duration) // nil = time.Sleep; the stall
	Logger  *slog.Logger        // nil = slog.Default()
}

// Service implements login, refresh, logout and identity.
type Service struct {
	store   Store
	hasher  Hasher
	signer  Signer
	refresh RefreshCodec
	policy  PasswordPolicy
	mailer  Mailer
	notify  Notifier
	tfa     cipher.AEAD
	bodies  *seal.Sealer // seals queued email bodies (mail.NewBodySealer)
	metrics Metrics
	limits  Limits
	now     func() time.Time
	sleep   func(time.Duration)
	log     *slog.Logger
	set     Settings
	origins map[string]bool

	directus *directusTokens // nil unless DIRECTUS_SECRET is set (directus.go)
}

// New builds the service.
func New(d Deps, s Settings) *Service {
	svc := &Service{store: d.Store, hasher: d.Hasher, signer: d.Signer, refresh: d.Refresh, policy: d.Policy,
		mailer: d.Mailer, notify: d.Notify, metrics: d.Metrics, limits: d.Limits,
		now: d.Now, sleep: d.Sleep, log: d.Logger, set: s, origins: map[string]bool{}}
	if len(d.Secret) > 0 {
		svc.tfa, _ = newTFACipher(d.Secret) // cannot fail for a non-empty secret
		svc.bodies, _ = mail.NewBodySealer(d.Secret)
	}
	if svc.metrics == nil {
		svc.metrics = noMetrics{}
	}
	if svc.now == nil {
		svc.now = time.Now
	}
	if svc.sleep == nil {
		svc.sleep = time.Sleep
	}
	if svc.log == nil {
		svc.log = slog.Default()
	}
	if o := originOf(s.PublicURL); o != "" {
		svc.origins[o] = true
	}
	for _, o := range s.CORSOrigins {
		if o = originOf(strings.TrimSpace(o)); o != "" {
			svc.origins[o] = true
		}
	}
	return svc
}

// Settings returns the service's tunables (transports read cookie names).
func (s *Service) Settings() Settings { return s.set }

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// checkOrigin guards cookie-authenticated requests against CSRF: a browser
// sends Origin on cross-site POSTs, and it must be one we trust. A refusal
// says which origin and what to configure, in the answer and the log: the
// browser app's developer sees only a 403 otherwise.
func (s *Service) checkOrigin(ctx context.Context, origin string) error {
	if origin == "" || s.set.AnyOrigin || s.origins[strings.ToLower(origin)] {
		return nil
	}
	return s.originRefused(ctx, origin)
}

// originRefused is FORBIDDEN naming the origin and the setting that trusts it.
func (s *Service) originRefused(ctx context.Context, origin string) error {
	if len(origin) > 200 {
		origin = origin[:200] + "…" // a header is the caller's to fill: bound what is echoed
	}
	fix := "add it to CORS_ORIGIN"
	if !s.set.CORSEnabled {
		fix = "set CORS_ENABLED=true and add it to CORS_ORIGIN"
	}
	reason := fmt.Sprintf("Origin %s is not allowed for cookie-authenticated requests; %s", origin, fix)
	s.log.WarnContext(ctx, "cookie-authenticated request refused: origin not allowed", "origin", origin,
		"fix", fix, "code", CodeForbidden)
	return ForbiddenReason(reason)
}

// stallSince sleeps until d has passed since start: a floor on response time
// so that outcomes cannot be told apart by timing. It sleeps, burning no CPU.
func (s *Service) stallSince(start time.Time, d time.Duration) {
	if rest := d - time.Since(start); rest > 0 {
		s.sleep(rest)
	}
}

// Ping reports whether the database answers.
func (s *Service) Ping(ctx context.Context) error { return s.store.Ping(ctx) }
