package models

import (
	"time"

	"github.com/uptrace/bun"
)

// Session is one login. Its refresh tokens are never stored: each is a MAC
// over (ID, Generation), so rotation is a conditional increment of Generation.
type Session struct {
	bun.BaseModel `bun:"table:gh_sessions,alias:s"`

	ID         string     `bun:"id,pk"`
	UserID     string     `bun:"user_id,notnull"`
	Generation int64      `bun:"generation,notnull"`
	RotatedAt  *time.Time `bun:"rotated_at"`
	ExpiresAt  time.Time  `bun:"expires_at,notnull"`
	CreatedAt  time.Time  `bun:"created_at,notnull"`
	LastUsedAt time.Time  `bun:"last_used_at,notnull"`
	IP         *string    `bun:"ip"`
	UserAgent  *string    `bun:"user_agent"`
	Origin     *string    `bun:"origin"`

	User *User `bun:"rel:belongs-to,join:user_id=id"`
}
