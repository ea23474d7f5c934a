package models

import (
	"time"

	"github.com/uptrace/bun"
)

// ImportSourceDirectus names users imported by `gatehouse import directus`.
const ImportSourceDirectus = "directus"

// ImportedUser marks a user whose row came from another system. Only such
// users may present that system's access tokens during a cut-over window.
type ImportedUser struct {
	bun.BaseModel `bun:"table:gh_imported_users,alias:iu"`

	UserID     string    `bun:"user_id,pk"`
	Source     string    `bun:"source,notnull"`
	ImportedAt time.Time `bun:"imported_at,notnull"`
}

// ImportedSession maps a Directus session token (stored as a SHA-256, never
// in plaintext) to the Gatehouse session it became. The token counts as the
// session's generation 0, so its first refresh rotates it like any other.
// SessionID is NULL once that session has ended, so a later import does not
// bring it back.
type ImportedSession struct {
	bun.BaseModel `bun:"table:gh_imported_sessions,alias:isess"`

	TokenHash  string    `bun:"token_hash,pk"`
	UserID     string    `bun:"user_id,notnull"`
	SessionID  *string   `bun:"session_id"`
	ExpiresAt  time.Time `bun:"expires_at,notnull"`
	ImportedAt time.Time `bun:"imported_at,notnull"`

	Session *Session `bun:"rel:belongs-to,join:session_id=id"`
}
