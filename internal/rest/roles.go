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
func (a *API) listRoles(w http.ResponseWriter, r *http.Request, acc *auth.Accountability) error {
	roles, err := a.svc.ListRoles(r.Context(), acc)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(roles))
	for i := range roles {
		out[i] = roleJSON(&roles[i])
	}
	data(w, out)
	return nil
}

// POST /roles {name, admin_access?, app_access?}
func (a *API) createRole(w http.ResponseWriter, r *http.Request, acc *auth.Accountability) error {
	b, err := a.decode(w, r)
	if err == nil {
		err = b.only("name", "admin_access", "app_access")
	}
	if err != nil {
		return err
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
		return err
	}
	data(w, roleJSON(role))
	return nil
}
