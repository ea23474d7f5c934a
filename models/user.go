package models

import (
	"time"

	"github.com/uptrace/bun"
)

// User statuses, as Directus names them. Only StatusActive may log in.
const (
	StatusActive     = "active"
	StatusSuspended  = "suspended"
	StatusInvited    = "invited"
	StatusDraft      = "draft"
	StatusArchived   = "archived"
	StatusUnverified = "unverified"
)

// User is an account. Email is kept as given; EmailLower carries the unique,
// case-folded copy used for lookups (SQLite's lower() folds ASCII only).
type User struct {
	bun.BaseModel `bun:"table:gh_users,alias:u"`

	ID           string     `bun:"id,pk"`
	FirstName    *string    `bun:"first_name"`
	LastName     *string    `bun:"last_name"`
	Email        *string    `bun:"email"`
	EmailLower   *string    `bun:"email_lower"`
	Password     *string    `bun:"password"`
	Status       string     `bun:"status,notnull"`
	RoleID       *string    `bun:"role"`
	TokenHash    *string    `bun:"token_hash"`
	TFASecret    *string    `bun:"tfa_secret"`
	TFALastStep  *int64     `bun:"tfa_last_step"`
	TFAPending   *string    `bun:"tfa_pending"`    // a generated, not yet enabled secret (sealed)
	TFAPendingAt *time.Time `bun:"tfa_pending_at"` // when it was generated
	LastAccess   *time.Time `bun:"last_access"`
	Provider     string     `bun:"provider,notnull"`
	FailedLogins int        `bun:"failed_logins,notnull"`
	// LoginPending counts secret checks in flight (internal/store attempts.go).
	LoginPending      int        `bun:"login_pending,notnull"`
	LoginPendingUntil *time.Time `bun:"login_pending_until"`
	CreatedAt         time.Time  `bun:"created_at,notnull"`
	UpdatedAt         time.Time  `bun:"updated_at,notnull"`

	Role *Role `bun:"rel:belongs-to,join:role=id"`
}
