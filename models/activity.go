package models

import (
	"time"

	"github.com/uptrace/bun"
)

// Activity actions written by Gatehouse: every audit row names one of these,
// so the set of actions an operator can filter on is listed here once.
const (
	ActionLogin                  = "login"
	ActionLoginFailed            = "login_failed"
	ActionLogout                 = "logout"
	ActionRefreshReuse           = "refresh_reuse"
	ActionSuspend                = "suspend"
	ActionRegistered             = "registered"
	ActionEmailVerified          = "email_verified"
	ActionUserCreated            = "user_created"
	ActionUserUpdated            = "user_updated"
	ActionUserDeleted            = "user_deleted"
	ActionInviteSent             = "invite_sent"
	ActionInviteAccepted         = "invite_accepted"
	ActionPasswordResetRequested = "password_reset_requested"
	ActionPasswordReset          = "password_reset"
	ActionEmailChangeRequested   = "email_change_requested"
	ActionEmailChangeRefused     = "email_change_refused"
	ActionEmailChanged           = "email_changed"
	ActionEmailAbandoned         = "email_abandoned"
	ActionTFAEnabled             = "tfa_enabled"
	ActionTFADisabled            = "tfa_disabled"
	ActionRecoveryCodesIssued    = "recovery_codes_issued"
	ActionRecoveryCodeUsed       = "recovery_code_used"
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
