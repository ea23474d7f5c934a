package rest_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
)

// FuzzLoginBody throws arbitrary bodies at POST /auth/login: the answer is
// always a 2xx or 4xx in Directus's shape, never a 5xx or a panic.
func FuzzLoginBody(f *testing.F) {
	for _, seed := range []string{
		`{"email":"admin@example.com","password":"correct-horse-battery"}`,
		`{"email":"admin@example.com","password":"x","mode":"session"}`,
		`{"email":5}`, `[]`, `null`, `{"email":"a\u0000@b.com","password":"x"}`, `{"otp":{}}`, `{"a":`, "\xff",
	} {
		f.Add([]byte(seed))
	}
	s := apptest.New(f, "sqlite3")
	h := s.App.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/auth/login", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 || rec.Code < 200 {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		if rec.Code >= 400 && !bytes.HasPrefix(rec.Body.Bytes(), []byte(`{"errors":[{"message":`)) {
			t.Fatalf("error not in Directus shape: %s", rec.Body)
		}
	})
}
