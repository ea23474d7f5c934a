package httpmw_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/httpmw"
)

var defaults = httpmw.CORSOptions{
	Origins: []string{"https://app.example.com", "http://localhost:3000/"},
	Methods: []string{"GET", "POST", "PATCH", "DELETE"}, AllowedHeaders: []string{"Content-Type", "Authorization"},
	ExposedHeaders: []string{"Content-Range"}, Credentials: true, MaxAge: 18000,
}

func corsDo(o httpmw.CORSOptions, method, origin string, hdr ...string) (*httptest.ResponseRecorder, bool) {
	reached := false
	h := httpmw.CORS(o)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached = true
		w.WriteHeader(http.StatusOK)
	}))
	r := httptest.NewRequest(method, "/auth/login", nil)
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w, reached
}

func TestCORSPreflightAllowedOrigin(t *testing.T) {
	t.Parallel()
	w, reached := corsDo(defaults, http.MethodOptions, "https://app.example.com",
		"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
	if reached || w.Code != http.StatusNoContent {
		t.Fatalf("preflight: %d reached=%v", w.Code, reached)
	}
	h := w.Header()
	want := map[string]string{
		"Access-Control-Allow-Origin":      "https://app.example.com",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods":     "GET,POST,PATCH,DELETE",
		"Access-Control-Allow-Headers":     "Content-Type,Authorization",
		"Access-Control-Max-Age":           "18000",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if !slices.Contains(h.Values("Vary"), "Origin") {
		t.Errorf("Vary = %q, want Origin", h.Values("Vary"))
	}
	// A configured origin with a trailing slash matches the browser's.
	w, _ = corsDo(defaults, http.MethodOptions, "http://localhost:3000", "Access-Control-Request-Method", "POST")
	if w.Header().Get("Access-Control-Allow-Origin") != "http://localhost:3000" {
		t.Errorf("trailing-slash origin not matched: %v", w.Header())
	}
}

func TestCORSDisallowedOrigin(t *testing.T) {
	t.Parallel()
	for _, origin := range []string{"https://evil.example.com", "null", "https://app.example.com.evil.com"} {
		w, reached := corsDo(defaults, http.MethodOptions, origin, "Access-Control-Request-Method", "POST")
		// Issue 20: a refused preflight is 403 FORBIDDEN with a reason (was 204 without one).
		if reached || w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), `"code":"FORBIDDEN"`) ||
			!strings.Contains(w.Body.String(), "add it to CORS_ORIGIN") {
			t.Fatalf("%s preflight: %d reached=%v", origin, w.Code, reached)
		}
		for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods"} {
			if v := w.Header().Get(k); v != "" {
				t.Errorf("%s: %s = %q on a disallowed origin", origin, k, v)
			}
		}
		w, reached = corsDo(defaults, http.MethodPost, origin)
		if !reached || w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s simple request: reached=%v ACAO=%q", origin, reached, w.Header().Get("Access-Control-Allow-Origin"))
		}
	}
}

func TestCORSSimpleRequestAndReflect(t *testing.T) {
	t.Parallel()
	w, reached := corsDo(defaults, http.MethodPost, "https://app.example.com")
	if !reached || w.Header().Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		w.Header().Get("Access-Control-Expose-Headers") != "Content-Range" || w.Header().Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("simple request: reached=%v %v", reached, w.Header())
	}
	// No Origin: untouched.
	w, reached = corsDo(defaults, http.MethodGet, "")
	if !reached || w.Header().Get("Access-Control-Allow-Origin") != "" || w.Header().Get("Vary") != "" {
		t.Fatalf("same-origin request changed: %v", w.Header())
	}
	// CORS_ORIGIN=true reflects the exact origin, never "*", even with credentials.
	o := defaults
	o.Origins, o.ReflectAny = nil, true
	w, _ = corsDo(o, http.MethodOptions, "https://any.example.org", "Access-Control-Request-Method", "PATCH")
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "https://any.example.org" {
		t.Fatalf("reflect: ACAO = %q", got)
	}
	// Without credentials there is no Allow-Credentials header.
	o.Credentials = false
	w, _ = corsDo(o, http.MethodPost, "https://any.example.org")
	if w.Header().Get("Access-Control-Allow-Credentials") != "" {
		t.Fatal("credentials header without CORS_CREDENTIALS")
	}
}
