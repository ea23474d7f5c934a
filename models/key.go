package models

import (
	"time"

	"github.com/uptrace/bun"
)

// Key is a signing key. PrivateJWK is sealed with a key derived from SECRET,
// so a database reader cannot mint tokens. A key is published from creation,
// signs from ActivatesAt until RetiredAt (its successor's ActivatesAt) and
// verifies until DeleteAfter (by then every token it signed has expired).
// Generation is unique: of two instances staging a key at once, one wins.
type Key struct {
	bun.BaseModel `bun:"table:gh_keys,alias:k"`

	KID         string     `bun:"kid,pk"`
	Alg         string     `bun:"alg,notnull"`
	PrivateJWK  string     `bun:"private_jwk,notnull"`
	PublicJWK   string     `bun:"public_jwk,notnull"`
	CreatedAt   time.Time  `bun:"created_at,notnull"`
	ActivatesAt time.Time  `bun:"activates_at,nullzero"`
	Generation  int64      `bun:"generation"`
	RetiredAt   *time.Time `bun:"retired_at"`
	DeleteAfter *time.Time `bun:"delete_after"`
}
