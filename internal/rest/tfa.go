package rest

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// POST /users/me/tfa/generate {password} → {secret, otpauth_url}
func (a *API) tfaGenerate(w http.ResponseWriter, r *http.Request, acc *auth.Accountability) error {
	b, err := a.decode(w, r)
	if err != nil {
		return err
	}
	setup, err := a.svc.GenerateTFA(r.Context(), acc, b.value("password"), auth.MetaFrom(r))
	if err != nil {
		return err
	}
	data(w, map[string]any{"secret": setup.Secret, "otpauth_url": setup.OTPAuthURL})
	return nil
}

// POST /users/me/tfa/enable {secret, otp} → 204
func (a *API) tfaEnable(w http.ResponseWriter, r *http.Request, acc *auth.Accountability) error {
	b, err := a.decode(w, r)
	if err == nil {
		err = a.svc.EnableTFA(r.Context(), acc, b.value("secret"), b.value("otp"), auth.MetaFrom(r))
	}
	if err != nil {
		return err
	}
	noContent(w)
	return nil
}

// POST /users/me/tfa/disable {otp} → 204
func (a *API) tfaDisable(w http.ResponseWriter, r *http.Request, acc *auth.Accountability) error {
	b, err := a.decode(w, r)
	if err == nil {
		err = a.svc.DisableTFA(r.Context(), acc, b.value("otp"), auth.Proof{CurrentPassword: b.value("current_password")}, auth.MetaFrom(r))
	}
	if err != nil {
		return err
	}
	noContent(w)
	return nil
}

// POST /users/{id}/tfa/disable {current_password?, otp?} → 204 (admins; the
// proof only for their own account)
func (a *API) tfaDisableFor(w http.ResponseWriter, r *http.Request, acc *auth.Accountability) error {
	b, err := a.decode(w, r)
	if err == nil {
		err = a.svc.DisableTFAFor(r.Context(), acc, r.PathValue("id"), b.proof(), auth.MetaFrom(r))
	}
	if err != nil {
		return err
	}
	noContent(w)
	return nil
}

// POST /users/me/tfa/recovery-codes {otp} → {codes: [...]}, replacing older codes.
func (a *API) recoveryCodes(w http.ResponseWriter, r *http.Request, acc *auth.Accountability) error {
	b, err := a.decode(w, r)
	if err != nil {
		return err
	}
	codes, err := a.svc.RecoveryCodes(r.Context(), acc, b.value("otp"), auth.Proof{CurrentPassword: b.value("current_password")}, auth.MetaFrom(r))
	if err != nil {
		return err
	}
	data(w, map[string]any{"codes": codes})
	return nil
}

// GET /users/me/tfa/recovery-codes → {remaining}
func (a *API) recoveryCodesLeft(w http.ResponseWriter, r *http.Request, acc *auth.Accountability) error {
	n, err := a.svc.RecoveryCodesLeft(r.Context(), acc)
	if err != nil {
		return err
	}
	data(w, map[string]any{"remaining": n})
	return nil
}
