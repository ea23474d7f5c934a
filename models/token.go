package models

import (
	"time"

	"github.com/uptrace/bun"
)

// One-time token purposes.
const (
	TokenPasswordReset = "password_reset"
	TokenInvite        = "invite"
	TokenVerifyEmail   = "verify_email"
	TokenEmailChange   = "email_change" // confirms NewEmail before it replaces the user's address
)

// OneTimeToken is an emailed secret (reset, invite, verification). Only its
// SHA-256 is stored. It is spent by one conditional update, and it dies with
// the password it was issued against (PasswordMark) and with the email its
// user had then (UserEmail).
type OneTimeToken struct {
	bun.BaseModel `bun:"table:gh_tokens,alias:t"`

	Hash         string     `bun:"hash,pk"`
	Kind         string     `bun:"kind,notnull"`
	UserID       string     `bun:"user_id,notnull"`
	PasswordMark string     `bun:"password_mark,notnull"`
	UserEmail    *string    `bun:"user_email"`    // the user's email at issue; nil: dead
	PasswordHash *string    `bun:"password_hash"` // verify_email: the password chosen with that registration
	ExpiresAt    time.Time  `bun:"expires_at,notnull"`
	UsedAt       *time.Time `bun:"used_at"`
	CreatedAt    time.Time  `bun:"created_at,notnull"`
	NewEmail     *string    `bun:"new_email"`  // email_change: the address being confirmed
	SessionID    *string    `bun:"session_id"` // email_change: the requesting session, kept when it completes
}
