package models

import "testing"

// The action names are stored in gh_activity and read by operators' queries:
// renaming one is a breaking change, so each value is pinned here.
func TestActionValues(t *testing.T) {
	for name, c := range map[string]struct{ got, want string }{
		"ActionLogin":                  {ActionLogin, "login"},
		"ActionLoginFailed":            {ActionLoginFailed, "login_failed"},
		"ActionLogout":                 {ActionLogout, "logout"},
		"ActionRefreshReuse":           {ActionRefreshReuse, "refresh_reuse"},
		"ActionSuspend":                {ActionSuspend, "suspend"},
		"ActionRegistered":             {ActionRegistered, "registered"},
		"ActionEmailVerified":          {ActionEmailVerified, "email_verified"},
		"ActionUserCreated":            {ActionUserCreated, "user_created"},
		"ActionUserUpdated":            {ActionUserUpdated, "user_updated"},
		"ActionUserDeleted":            {ActionUserDeleted, "user_deleted"},
		"ActionInviteSent":             {ActionInviteSent, "invite_sent"},
		"ActionInviteAccepted":         {ActionInviteAccepted, "invite_accepted"},
		"ActionPasswordResetRequested": {ActionPasswordResetRequested, "password_reset_requested"},
		"ActionPasswordReset":          {ActionPasswordReset, "password_reset"},
		"ActionEmailChangeRequested":   {ActionEmailChangeRequested, "email_change_requested"},
		"ActionEmailChangeRefused":     {ActionEmailChangeRefused, "email_change_refused"},
		"ActionEmailChanged":           {ActionEmailChanged, "email_changed"},
		"ActionEmailAbandoned":         {ActionEmailAbandoned, "email_abandoned"},
		"ActionTFAEnabled":             {ActionTFAEnabled, "tfa_enabled"},
		"ActionTFADisabled":            {ActionTFADisabled, "tfa_disabled"},
		"ActionRecoveryCodesIssued":    {ActionRecoveryCodesIssued, "recovery_codes_issued"},
		"ActionRecoveryCodeUsed":       {ActionRecoveryCodeUsed, "recovery_code_used"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", name, c.got, c.want)
		}
	}
}
