package rest

import (
	"net/http"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// userInput reads a user payload; unknown keys are refused. Changes that
// may touch the caller's own account also take current_password and otp.
func (a *API) userInput(w http.ResponseWriter, r *http.Request, proof bool) (auth.UserInput, error) {
	b, err := a.decode(w, r)
	if err != nil {
		return auth.UserInput{}, err
	}
	keys := []string{"email", "password", "first_name", "last_name", "status", "role", "token", "tfa_secret"}
	if proof {
		keys = append(keys, "current_password", "otp")
	}
	if err := b.only(keys...); err != nil {
		return auth.UserInput{}, err
	}
	return auth.UserInput{Email: b.value("email"), Password: b.value("password"), FirstName: b.value("first_name"),
		LastName: b.value("last_name"), Status: b.value("status"), Role: b.value("role"), Token: b.value("token"),
		TFASecret: b.value("tfa_secret"), Proof: b.proof()}, nil
}

// GET /users?limit=&offset=&filter[email][_eq]=&filter[status][_eq]=
func (a *API) listUsers(w http.ResponseWriter, r *http.Request, acc *auth.Accountability) error {
	q := r.URL.Query()
	f := auth.UserFilter{Email: firstOf(q.Get("filter[email][_eq]"), q.Get("email")),
		Status: firstOf(q.Get("filter[status][_eq]"), q.Get("status"))}
	for name, dst := range map[string]*int{"limit": &f.Limit, "offset": &f.Offset} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return auth.InvalidQuery(strconv.Quote(name) + " has to be a positive integer")
			}
			*dst = n
		}
	}
	users, err := a.svc.ListUsers(r.Context(), acc, f)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(users))
	for i, u := range users {
		out[i] = userJSON(u)
	}
	data(w, out)
	return nil
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// GET /users/{id}
func (a *API) getUser(w http.ResponseWriter, r *http.Request, acc *auth.Accountability) error {
	u, err := a.svc.GetUser(r.Context(), acc, r.PathValue("id"))
	if err != nil {
		return err
	}
	data(w, userJSON(u))
	return nil
}

// POST /users
func (a *API) createUser(w http.ResponseWriter, r *http.Request, acc *auth.Accountability) error {
	in, err := a.userInput(w, r, false)
	if err != nil {
		return err
	}
	u, err := a.svc.CreateUserAs(r.Context(), acc, in, auth.MetaFrom(r))
	if err != nil {
		return err
	}
	data(w, userJSON(u))
	return nil
}

// PATCH /users/{id}
func (a *API) updateUser(w http.ResponseWriter, r *http.Request, acc *auth.Accountability) error {
	in, err := a.userInput(w, r, true)
	if err != nil {
		return err
	}
	u, err := a.svc.UpdateUserAs(r.Context(), acc, r.PathValue("id"), in, auth.MetaFrom(r))
	if err != nil {
		return err
	}
	data(w, userJSON(u))
	return nil
}

// DELETE /users/{id} → 204
func (a *API) deleteUser(w http.ResponseWriter, r *http.Request, acc *auth.Accountability) error {
	if err := a.svc.DeleteUserAs(r.Context(), acc, r.PathValue("id"), auth.MetaFrom(r)); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// PATCH /users/me
func (a *API) updateMe(w http.ResponseWriter, r *http.Request, acc *auth.Accountability) error {
	in, err := a.userInput(w, r, true)
	if err != nil {
		return err
	}
	u, err := a.svc.UpdateMe(r.Context(), acc, in, auth.MetaFrom(r))
	if err != nil {
		return err
	}
	data(w, userJSON(u))
	return nil
}
