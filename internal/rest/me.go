package rest

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// GET /users/me?fields=a,b
func (a *API) me(w http.ResponseWriter, r *http.Request, acc *auth.Accountability) error {
	fields, err := a.svc.Me(r.Context(), acc, r.URL.Query()["fields"])
	if err != nil {
		return err
	}
	// Build the object by hand to keep the fields in order.
	var buf bytes.Buffer
	buf.WriteString(`{"data":{`)
	for i, f := range fields {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(f.Name)
		v, err := json.Marshal(f.Value)
		if err != nil {
			return err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteString("}}")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
	return nil
}
