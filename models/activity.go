package models

import (
	"time"

	"github.com/uptrace/bun"
)

// Activity actions written by Gatehouse.
const (
	ActionLogin        = "login"
	ActionLoginFailed  = "login_failed"
	ActionLogout       = "logout"
	ActionRefreshReuse = "refresh_reuse"
	ActionSuspend      = "suspend"
	ActionCreate       = "create"
	ActionUpdate       = "update"
)

// Activity is one audit row: who did what, when, from where.
type Activity struct {
	bun.BaseModel `bun:"table:gh_activity,alias:a"`

	ID         string    `bun:"id,pk"`
	Action     string    `bun:"action,notnull"`
	UserID     *string   `bun:"user_id"`
	IP         *string   `bun:"ip"`
	UserAgent  *string   `bun:"user_agent"`
	Origin     *string   `bun:"origin"`
	Collection string    `bun:"collection,notnull"`
	Item       *string   `bun:"item"`
	Detail     *string   `bun:"detail"`
	Timestamp  time.Time `bun:"timestamp,notnull"`
}
