package models

import (
	"time"

	"github.com/uptrace/bun"
)

// Key is a signing key. PrivateJWK is sealed with a key derived from SECRET,
// so a database reader cannot mint tokens. A key signs until RetiredAt and
// verifies until DeleteAfter (by then every token it signed has expired).
type Key struct {
	bun.BaseModel `bun:"table:gh_keys,alias:k"`

	KID         string     `bun:"kid,pk"`
	Alg         string     `bun:"alg,notnull"`
	PrivateJWK  string     `bun:"private_jwk,notnull"`
	PublicJWK   string     `bun:"public_jwk,notnull"`
	CreatedAt   time.Time  `bun:"created_at,notnull"`
	RetiredAt   *time.Time `bun:"retired_at"`
	DeleteAfter *time.Time `bun:"delete_after"`
}
