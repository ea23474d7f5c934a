package models

import (
	"time"

	"github.com/uptrace/bun"
)

// RecoveryCode is one single-use 2FA recovery code, stored as a SHA-256.
type RecoveryCode struct {
	bun.BaseModel `bun:"table:gh_recovery_codes,alias:rc"`

	UserID    string     `bun:"user_id,pk"`
	Hash      string     `bun:"hash,pk"`
	UsedAt    *time.Time `bun:"used_at"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
}
