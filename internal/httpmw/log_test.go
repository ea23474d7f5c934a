package httpmw_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/httpmw"
)

const secretValue = "s3cr3t-VALUE-xyz"

func TestRequestLogRedacts(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(httpmw.Redact(slog.NewJSONHandler(&buf, nil)))
	h := httpmw.RequestLog(httpmw.LogOptions{Log: log, IgnorePaths: []string{"/server/ping"}})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte("hello"))
		}))
	r := httptest.NewRequest(http.MethodPost, "/users/me?access_token="+secretValue+"&fields=id&token="+secretValue+"&Access_Token="+secretValue,
		strings.NewReader(`{"password":"`+secretValue+`"}`))
	r.Header.Set("Authorization", "Bearer "+secretValue)
	r.Header.Set("Cookie", "directus_session_token="+secretValue)
	h.ServeHTTP(httptest.NewRecorder(), r)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/server/ping", nil))

	out := buf.String()
	if strings.Contains(out, secretValue) {
		t.Fatalf("secret logged: %s", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one line (ping ignored), got %d: %s", len(lines), out)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["path"] != "/users/me" || rec["status"] != float64(201) || rec["bytes"] != float64(5) || rec["method"] != "POST" {
		t.Fatalf("record %v", rec)
	}
	if q, _ := rec["query"].(string); !strings.Contains(q, "access_token=[REDACTED]") || !strings.Contains(q, "fields=id") {
		t.Fatalf("query %q", q)
	}
}

func TestRedactHandler(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(httpmw.Redact(slog.NewJSONHandler(&buf, nil))).With("refresh_token", secretValue)
	log.Info("reset link https://x.test/admin/reset-password?token="+secretValue,
		"password", secretValue, "Authorization", "Bearer "+secretValue,
		"url", "http://h/graphql?access_token="+secretValue,
		"err", errors.New("bad header: Bearer "+secretValue),
		slog.Group("req", "cookie", secretValue, "tfa_secret", secretValue, "email", "a@b.test"),
		"note", "ok")
	out := buf.String()
	if strings.Contains(out, secretValue) {
		t.Fatalf("secret logged: %s", out)
	}
	for _, want := range []string{`"note":"ok"`, `"email":"a@b.test"`, "[REDACTED]"} {
		if !strings.Contains(out, want) {
			t.Fatalf("missing %s in %s", want, out)
		}
	}
}

func TestRedactQuery(t *testing.T) {
	t.Parallel()
	if got := httpmw.RedactQuery("a=1&access_token=abc&b=&refresh_token=x&otp=123456"); got != "a=1&access_token=[REDACTED]&b=&refresh_token=[REDACTED]&otp=[REDACTED]" {
		t.Fatal(got)
	}
}
