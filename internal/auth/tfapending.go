package auth

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

// tfaProposalTTL is how long a secret from generate can be enabled. Generate
// checks the password, so the proposal is enable's re-authentication.
const tfaProposalTTL = 15 * time.Minute

// proposeTFA keeps the secret generate proposed, sealed, so that enable
// accepts only it: an access token alone cannot enrol an attacker's secret.
func (s *Service) proposeTFA(ctx context.Context, u *models.User, secret string) error {
	if !s.set.Reauth {
		return nil // Directus: enable takes the client's secret
	}
	sealed, err := s.sealTFA(pendingAAD(u.ID), secret)
	if err != nil {
		return internal(err)
	}
	now := s.now().UTC()
	u.TFAPending, u.TFAPendingAt = &sealed, &now
	if err := s.store.UpdateUser(ctx, u, []string{"tfa_pending", "tfa_pending_at"}, false, ""); err != nil {
		return internal(err)
	}
	return nil
}

// checkProposedTFA refuses a secret that is not generate's latest, unexpired
// proposal for u. The "secret" field stays (Directus clients send it back).
func (s *Service) checkProposedTFA(u *models.User, secret string) error {
	if !s.set.Reauth {
		return nil
	}
	if u.TFAPending == nil || u.TFAPendingAt == nil || !s.now().Before(u.TFAPendingAt.Add(tfaProposalTTL)) {
		return errNoProposal
	}
	want, err := s.openTFA(pendingAAD(u.ID), *u.TFAPending)
	if err != nil || subtle.ConstantTimeCompare([]byte(strings.ToUpper(secret)), []byte(strings.ToUpper(want))) != 1 {
		return errNoProposal
	}
	return nil
}

var errNoProposal = InvalidPayload(`"secret" must be the one /users/me/tfa/generate proposed in the last 15 minutes`)

// pendingAAD binds a sealed proposal to its user and purpose, so it cannot
// be copied into tfa_secret.
func pendingAAD(userID string) string { return "pending:" + userID }
