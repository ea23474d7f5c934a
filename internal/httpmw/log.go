package httpmw

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// LogOptions configure RequestLog.
type LogOptions struct {
	Log         *slog.Logger
	IgnorePaths []string         // exact paths not logged (LOG_HTTP_IGNORE_PATHS)
	Now         func() time.Time // nil = time.Now
	OnDone      func(r *http.Request, status int, d time.Duration)
}

// RequestLog writes one line per request: method, path, query (secret
// values redacted: access_token, token, …), status, size, duration, client IP
// and user agent. It never logs bodies, Authorization or Cookie.
func RequestLog(o LogOptions) func(http.Handler) http.Handler {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	ignore := make(map[string]bool, len(o.IgnorePaths))
	for _, p := range o.IgnorePaths {
		if p = strings.TrimSpace(p); p != "" {
			ignore[p] = true
		}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := o.Now()
			sw := &statusWriter{ResponseWriter: w}
			defer func() {
				d := o.Now().Sub(start)
				if sw.status == 0 {
					sw.status = http.StatusOK
				}
				if o.OnDone != nil {
					o.OnDone(r, sw.status, d)
				}
				if ignore[r.URL.Path] {
					return
				}
				level := slog.LevelInfo
				if sw.status >= 500 {
					level = slog.LevelError
				}
				if !o.Log.Enabled(r.Context(), level) {
					return // LOG_LEVEL above info: build nothing for a line nobody reads
				}
				attrs := []slog.Attr{
					slog.String("method", r.Method), slog.String("path", r.URL.Path),
					slog.Int("status", sw.status), slog.Int64("bytes", sw.n),
					slog.Float64("duration_ms", float64(d.Microseconds())/1000),
					slog.String("ip", ClientIP(r.Context())), slog.String("user_agent", truncate(r.UserAgent(), 256)),
				}
				if r.URL.RawQuery != "" {
					attrs = append(attrs, slog.String("query", RedactQuery(r.URL.RawQuery)))
				}
				o.Log.LogAttrs(r.Context(), level, "request", attrs...)
			}()
			next.ServeHTTP(sw, r)
		})
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

// Flush lets streaming handlers flush through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

const redacted = "[REDACTED]"

// sensitiveKey reports whether a query parameter or log attribute named k
// carries a secret.
func sensitiveKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"token", "password", "secret", "authorization", "cookie", "otp", "api_key", "apikey"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// RedactQuery replaces the values of secret parameters (access_token, token,
// refresh_token, password, …) in a raw query string.
func RedactQuery(raw string) string {
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasValue && sensitiveKey(name) {
			parts[i] = k + "=" + redacted
		}
	}
	return strings.Join(parts, "&")
}

var secretInText = regexp.MustCompile(`(?i)((?:access_token|refresh_token|token|password|secret)=)[^&\s"']+|((?:bearer)\s+)[A-Za-z0-9._~+/=-]+`)

// RedactText hides secret query values and bearer tokens inside free text
// (URLs and messages that reach a log).
func RedactText(s string) string {
	return secretInText.ReplaceAllStringFunc(s, func(m string) string {
		if i := strings.IndexByte(m, '='); i >= 0 && !strings.HasPrefix(strings.ToLower(m), "bearer") {
			return m[:i+1] + redacted
		}
		return m[:strings.IndexAny(m, " \t")+1] + redacted
	})
}

// Redact wraps a slog handler so that attributes whose key names a secret
// (password, token, secret, authorization, cookie, otp) are replaced, and
// secret query values and bearer tokens inside string values are hidden.
// Use it around the JSON (or text) handler the process logs through.
func Redact(h slog.Handler) slog.Handler { return redactHandler{h} }

type redactHandler struct{ h slog.Handler }

func (r redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, RedactText(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = redactAttr(a)
	}
	return redactHandler{r.h.WithAttrs(red)}
}

func (r redactHandler) WithGroup(name string) slog.Handler { return redactHandler{r.h.WithGroup(name)} }

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		g := v.Group()
		red := make([]slog.Attr, len(g))
		for i, x := range g {
			red[i] = redactAttr(x)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(red...)}
	}
	if sensitiveKey(a.Key) {
		return slog.String(a.Key, redacted)
	}
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, RedactText(v.String()))
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, RedactText(x.Error()))
		case *url.URL:
			return slog.String(a.Key, RedactText(x.String()))
		case http.Header:
			return slog.String(a.Key, redacted)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
