package rest_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
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
		// The edge check (issue 17): NUL, invalid UTF-8, lone surrogates, over-long values.
		`{"email":"admin@example.com","password":"x\u0000y"}`, "{\"email\":\"a\xff@b.com\",\"password\":\"x\"}",
		`{"email":"a\ud800@b.com","password":"x"}`, `{"email":"admin@example.com","password":"x","mode":"\udfff"}`,
		`{"email":"` + strings.Repeat("a", 129) + `","password":"x"}`, `{"otp":"` + strings.Repeat("1", 4097) + `"}`,
		"{\"\xff\":1}", `{"email":["a\u0000"]}`,
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
