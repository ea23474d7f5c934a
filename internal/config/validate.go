package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// problems collects one section's errors, each naming its variable.
type problems []error

func (p *problems) bad(name, format string, a ...any) {
	*p = append(*p, fmt.Errorf("%s: "+format, append([]any{name}, a...)...))
}

func (p problems) err() error { return errors.Join(p...) }

func (c *Config) validateServer() error {
	var p problems
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.bad("PUBLIC_URL", "must be an absolute http(s) URL")
	}
	var level slog.Level
	if level.UnmarshalText([]byte(c.LogLevel)) != nil {
		p.bad("LOG_LEVEL", "must be debug, info, warn or error, got %q", c.LogLevel)
	}
	switch c.LogStyle = strings.ToLower(strings.TrimSpace(c.LogStyle)); c.LogStyle {
	case "text", "pretty":
		c.LogStyle = "text"
	case "json", "raw":
		c.LogStyle = "json"
	default:
		p.bad("LOG_STYLE", "must be text or json, got %q", c.LogStyle)
	}
	return p.err()
}

func (c *Config) validateDB() error {
	var p problems
	switch c.DB.Client {
	case "sqlite3", "sqlite":
		c.DB.Client = "sqlite3"
	case "pg", "postgres", "postgresql":
		c.DB.Client = "pg"
	default:
		p.bad("DB_CLIENT", "must be sqlite3 or pg, got %q", c.DB.Client)
	}
	switch c.DB.Pooler = strings.ToLower(c.DB.Pooler); c.DB.Pooler {
	case "", "transaction":
	case "none", "session":
		// A session pooler keeps a server connection per client: nothing to avoid.
		c.DB.Pooler = ""
	default:
		p.bad("DB_POOLER", "must be transaction, session or none, got %q", c.DB.Pooler)
	}
	if (c.DB.Pooler != "" || c.DB.DirectURL != "") && c.DB.Client != "pg" {
		p.bad("DB_POOLER", "and DB_DIRECT_URL apply to DB_CLIENT=pg only")
	}
	if c.DB.Client == "pg" {
		// Parsed here so that a typo stops the start naming the variable
		// (the parser's own message may quote the password).
		for name, dsn := range map[string]string{"DB_CONNECTION_STRING": c.DB.ConnectionString, "DB_DIRECT_URL": c.DB.DirectURL} {
			if _, err := pgconn.ParseConfig(dsn); dsn != "" && err != nil {
				p.bad(name, "is not a PostgreSQL connection string (postgres://user@host:5432/db or host=… dbname=…)")
			}
		}
	}
	return p.err()
}

func (c *Config) validateTokens() error {
	var p problems
	switch c.JWTAlgorithm {
	case "ES256", "EdDSA", "RS256":
	default:
		p.bad("JWT_ALGORITHM", "must be ES256, EdDSA or RS256, got %q", c.JWTAlgorithm)
	}
	if strings.TrimSpace(c.JWTIssuer) == "" {
		p.bad("JWT_ISSUER", "must not be empty")
	}
	if c.JWKSMaxAge.D()%time.Second != 0 {
		p.bad("JWKS_MAX_AGE", "must be whole seconds (it is sent as Cache-Control max-age)")
	}
	if e := c.KeysRotateEvery; e != 0 && e <= c.JWKSMaxAge+c.KeysReloadInterval {
		p.bad("KEYS_ROTATE_EVERY", "must be 0 (off) or longer than JWKS_MAX_AGE plus KEYS_RELOAD_INTERVAL")
	}
	return p.err()
}

// cookieName is RFC 6265's token: net/http silently drops a cookie whose name
// is not one, so every login would "work" and no cookie would arrive.
var cookieName = regexp.MustCompile("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$")

func (c *Config) validateCookies() error {
	var p problems
	for prefix, ck := range map[string]Cookie{"REFRESH_TOKEN_COOKIE_": c.RefreshCookie, "SESSION_COOKIE_": c.SessionCookie} {
		if !cookieName.MatchString(ck.Name) {
			p.bad(prefix+"NAME", "must be a cookie name (letters, digits and !#$%%&'*+-.^_`|~), got %q", ck.Name)
		}
		if ck.Domain != "" && strings.ContainsAny(ck.Domain, " ;,/:") {
			p.bad(prefix+"DOMAIN", "must be a host name such as example.com, got %q", ck.Domain)
		}
		switch strings.ToLower(ck.SameSite) {
		case "lax", "strict", "":
		case "none":
			if !c.CookieSecure(ck) {
				// Browsers drop such a cookie: every cookie-mode login would "succeed" without one.
				p.bad(prefix+"SAME_SITE", "none needs a Secure cookie (browsers drop SameSite=None without it): use an https PUBLIC_URL or set %sSECURE=true", prefix)
			}
		default:
			p.bad(prefix+"SAME_SITE", "must be lax, strict or none, got %q", ck.SameSite)
		}
	}
	if c.RefreshCookie.Name == c.SessionCookie.Name {
		p.bad("SESSION_COOKIE_NAME", "must differ from REFRESH_TOKEN_COOKIE_NAME")
	}
	return p.err()
}

func (c *Config) validatePasswords() error {
	var p problems
	if c.AuthPasswordPolicy != "" {
		if _, err := regexp.Compile(strings.TrimSuffix(strings.TrimPrefix(c.AuthPasswordPolicy, "/"), "/")); err != nil {
			p.bad("AUTH_PASSWORD_POLICY", "is not a valid regular expression")
		}
	}
	if c.Hash.MemoryCost < 8*uint32(c.Hash.Parallelism) {
		p.bad("HASH_MEMORY_COST", "must be at least 8 × HASH_PARALLELISM (%d KiB), as argon2 requires", 8*uint32(c.Hash.Parallelism))
	}
	if c.Secret != "" && len(c.Secret) < 32 {
		p.bad("SECRET", "must be at least 32 characters")
	}
	return p.err()
}

// validateStalls keeps the login and reset stalls inside the request deadline.
func (c *Config) validateStalls() error {
	var p problems
	for name, d := range map[string]Duration{"LOGIN_STALL_TIME": c.LoginStallTime, "PASSWORD_RESET_STALL_TIME": c.PasswordResetStallTime} {
		if c.RequestTimeout <= d {
			p.bad("REQUEST_TIMEOUT", "must be longer than %s (%s)", name, d.D())
		}
	}
	return p.err()
}

func (c *Config) validateEmail() error {
	var p problems
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
			p.bad("EMAIL_SMTP_HOST", "is required when EMAIL_TRANSPORT is smtp")
		}
	default:
		p.bad("EMAIL_TRANSPORT", "must be smtp or file, got %q", c.Email.Transport)
	}
	if _, err := mail.ParseAddress(c.Email.From); err != nil {
		p.bad("EMAIL_FROM", "must be an email address such as no-reply@example.com or \"Acme\" <no-reply@example.com>")
	}
	return p.err()
}

func (c *Config) validateRegistration() error {
	var p problems
	if c.PublicRegistrationRole != "" && !uuidLike(c.PublicRegistrationRole) {
		p.bad("PUBLIC_REGISTRATION_ROLE", "must be a role id (a UUID)")
	}
	return p.err()
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func uuidLike(s string) bool { return uuidPattern.MatchString(s) }
