package rest

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/models"
)

func roleJSON(r *models.Role) map[string]any {
	return map[string]any{"id": r.ID, "name": r.Name, "admin_access": r.AdminAccess, "app_access": r.AppAccess}
}

// GET /roles
func (a *API) listRoles(w http.ResponseWriter, r *http.Request) {
	acc, ok := a.caller(w, r)
	if !ok {
		return
	}
	roles, err := a.svc.ListRoles(r.Context(), acc)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]map[string]any, len(roles))
	for i := range roles {
		out[i] = roleJSON(&roles[i])
	}
	data(w, out)
}

// POST /roles {name, admin_access?, app_access?}
func (a *API) createRole(w http.ResponseWriter, r *http.Request) {
	acc, ok := a.caller(w, r)
	if !ok {
		return
	}
	b, err := a.decode(w, r)
	if err == nil {
		err = b.only("name", "admin_access", "app_access")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	in := auth.RoleInput{Name: b.value("name")}
	if v := b.boolean("admin_access"); v != nil {
		in.AdminAccess = *v
	}
	if v := b.boolean("app_access"); v != nil {
		in.AppAccess = *v
	}
	role, err := a.svc.CreateRole(r.Context(), acc, in)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	data(w, roleJSON(role))
}
