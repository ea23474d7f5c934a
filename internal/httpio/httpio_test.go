package httpio_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

func TestIsJSON(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json":                  true,
		"Application/JSON":                  true,
		"APPLICATION/JSON; charset=UTF-8":   true,
		" application/json ; charset=utf-8": true,
		"application/merge-patch+json":      true,
		"application/Problem+JSON":          true,
		"":                                  false,
		"text/plain":                        false,
		"application/jsonx":                 false,
		"application/json-seq":              false,
		"multipart/form-data; boundary=x":   false,
		"application/json; charset":         false, // malformed parameters
	} {
		if got := httpio.IsJSON(ct); got != want {
			t.Errorf("IsJSON(%q) = %v, want %v", ct, got, want)
		}
	}
}

// Decode failures carry fixed messages: never the body, never Go's types.
func TestObjectErrorsAreFixed(t *testing.T) {
	const secret = "hunter2-secret"
	for body, want := range map[string]*auth.Error{
		`{"password":"` + secret:                   httpio.ErrNotJSON,
		`{"password":"` + secret + `"} x` + secret: httpio.ErrNotJSON,
		`{"password":` + secret + `}`:              httpio.ErrNotJSON,
		secret:                                     httpio.ErrNotJSON,
		`["` + secret + `"]`:                       httpio.ErrNotObject,
		`"` + secret + `"`:                         httpio.ErrNotObject,
		`null`:                                     httpio.ErrNotObject,
		`12`:                                       httpio.ErrNotObject,
		strings.Repeat("[", 20000):                 httpio.ErrNotJSON,
	} {
		_, err := httpio.Object([]byte(body))
		if err != want {
			t.Errorf("Object(%.40q) = %v, want %v", body, err, want)
		}
	}
	if obj, err := httpio.Object([]byte(" \n")); err != nil || len(obj) != 0 {
		t.Fatalf("empty body: %v %v", obj, err)
	}
}

func TestReadLimit(t *testing.T) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 11)))
	if _, err := httpio.Read(w, r, 10); err != httpio.ErrTooLarge || httpio.Status(httpio.ErrTooLarge) != 413 {
		t.Fatalf("over the limit: %v", err)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 10)))
	if raw, err := httpio.Read(w, r, 10); err != nil || len(raw) != 10 {
		t.Fatalf("at the limit: %d %v", len(raw), err)
	}
	r = httptest.NewRequest("POST", "/", iotest.ErrReader(errors.New("connection reset")))
	if _, err := httpio.Read(w, r, 10); err != httpio.ErrUnreadable {
		t.Fatalf("broken body: %v", err)
	}
}

// The envelope: Directus's shape, the status from the one table, and the
// headers the error calls for.
func TestWriteError(t *testing.T) {
	w := httptest.NewRecorder()
	httpio.WriteError(w, auth.MethodNotAllowed("PUT", "GET", "POST"))
	want := `{"errors":[{"message":"Invalid method \"PUT\" used. Should be one of \"GET\", \"POST\".","extensions":{"allowed":["GET","POST"],"code":"METHOD_NOT_ALLOWED","current":"PUT"}}]}`
	if w.Code != http.StatusMethodNotAllowed || w.Body.String() != want || w.Header().Get("Allow") != "GET, POST" ||
		w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("%d %v %s", w.Code, w.Header(), w.Body)
	}
	w = httptest.NewRecorder()
	httpio.WriteError(w, errors.New("a cause nobody may see"))
	if w.Code != 500 || strings.Contains(w.Body.String(), "cause") || !strings.Contains(w.Body.String(), `"code":"INTERNAL_SERVER_ERROR"`) {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}
