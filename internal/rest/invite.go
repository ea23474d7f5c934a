package rest

import (
	"encoding/json"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// POST /users/invite {email | [emails], role, invite_url?} → 204
func (a *API) invite(w http.ResponseWriter, r *http.Request, acc *auth.Accountability) error {
	b, err := a.decode(w, r)
	if err == nil {
		err = b.only("email", "role", "invite_url")
	}
	if err != nil {
		return err
	}
	var emails []string
	if raw, ok := b["email"]; ok {
		var one string
		if json.Unmarshal(raw, &one) == nil {
			emails = []string{one}
		} else if json.Unmarshal(raw, &emails) != nil {
			return auth.InvalidPayload(`"email" must be a valid email`)
		}
	}
	err = a.svc.Invite(r.Context(), acc, auth.InviteInput{Emails: emails, Role: b.value("role"), InviteURL: b.truthy("invite_url")}, auth.MetaFrom(r))
	if err != nil {
		return err
	}
	noContent(w)
	return nil
}

// POST /users/invite/accept {token, password} → 204
func (a *API) acceptInvite(w http.ResponseWriter, r *http.Request) error {
	b, err := a.decode(w, r)
	if err == nil {
		err = b.only("token", "password")
	}
	if err != nil {
		return err
	}
	if err := a.svc.AcceptInvite(r.Context(), b.value("token"), b.value("password"), auth.MetaFrom(r)); err != nil {
		return err
	}
	noContent(w)
	return nil
}
