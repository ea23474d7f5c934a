package rest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/models"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const (
	admin   = apptest.AdminEmail
	adminPW = apptest.AdminPassword
	jsonCT  = "application/json"
)

// claims decodes a JWT's payload without verifying it.
func claims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func header(t *testing.T, jwt string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(jwt, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	_ = json.Unmarshal(raw, &h)
	return h
}

func user(t *testing.T, s *apptest.Server, email string) *models.User {
	t.Helper()
	u, err := s.App.Store.UserByEmail(context.Background(), strings.ToLower(email))
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return u
}

// actions lists the audit actions recorded for a user, oldest first.
func actions(t *testing.T, s *apptest.Server, userID string) []string {
	t.Helper()
	rows, err := s.App.Store.Activities(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range rows {
		out = append(out, a.Action)
	}
	return out
}

func countSessions(t *testing.T, s *apptest.Server) int {
	t.Helper()
	n, err := s.App.DB.NewSelect().Model((*models.Session)(nil)).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func wantError(t *testing.T, r *apptest.Response, status int, code, message string) {
	t.Helper()
	if r.StatusCode != status || r.Code() != code || (message != "" && r.Message() != message) {
		t.Fatalf("got %d %s, want %d %s %q", r.StatusCode, r.Body, status, code, message)
	}
}
