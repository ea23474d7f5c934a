package models

import (
	"time"

	"github.com/uptrace/bun"
)

// Role exists only as far as auth needs it: a name and two access flags.
type Role struct {
	bun.BaseModel `bun:"table:gh_roles,alias:r"`

	ID          string    `bun:"id,pk"`
	Name        string    `bun:"name,notnull"`
	Description *string   `bun:"description"` // kept from an import; not part of the API yet
	AdminAccess bool      `bun:"admin_access,notnull"`
	AppAccess   bool      `bun:"app_access,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
}
