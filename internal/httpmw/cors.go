package httpmw

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// CORSOptions are Directus's CORS_* settings.
type CORSOptions struct {
	ReflectAny     bool     // CORS_ORIGIN=true (or *): allow every origin, echoed back
	Origins        []string // CORS_ORIGIN as a list
	Methods        []string // CORS_METHODS
	AllowedHeaders []string // CORS_ALLOWED_HEADERS
	ExposedHeaders []string // CORS_EXPOSED_HEADERS
	Credentials    bool     // CORS_CREDENTIALS
	MaxAge         int      // CORS_MAX_AGE seconds; < 0 = no header
	Log            *slog.Logger
}

// CORS answers cross-origin requests. An allowed origin is echoed exactly
// (never "*", so credentials work) with Vary: Origin; a disallowed one gets
// no Access-Control-Allow-Origin, so the browser withholds the response.
// Preflights (OPTIONS with Access-Control-Request-Method) are answered here
// and never reach the handler: 204 for an allowed origin, else 403 FORBIDDEN
// naming the origin and the setting to change, also logged (a browser only
// says "CORS error", and the developer needs to know what to configure).
func CORS(o CORSOptions) func(http.Handler) http.Handler {
	allowed := make(map[string]bool, len(o.Origins))
	for _, s := range o.Origins {
		if n := normalizeOrigin(s); n != "" {
			allowed[n] = true
		}
	}
	methods := strings.Join(trimAll(o.Methods), ",")
	headers := strings.Join(trimAll(o.AllowedHeaders), ",")
	exposed := strings.Join(trimAll(o.ExposedHeaders), ",")
	maxAge := ""
	if o.MaxAge >= 0 {
		maxAge = strconv.Itoa(o.MaxAge)
	}
	ok := func(origin string) bool {
		if origin == "" || origin == "null" {
			return false
		}
		return o.ReflectAny || allowed[normalizeOrigin(origin)]
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
			if origin == "" && !preflight {
				next.ServeHTTP(w, r)
				return
			}
			h := w.Header()
			h.Add("Vary", "Origin")
			allow := ok(origin)
			if allow {
				h.Set("Access-Control-Allow-Origin", origin)
				if o.Credentials {
					h.Set("Access-Control-Allow-Credentials", "true")
				}
			}
			if !preflight {
				if allow && exposed != "" {
					h.Set("Access-Control-Expose-Headers", exposed)
				}
				next.ServeHTTP(w, r)
				return
			}
			if allow {
				h.Set("Access-Control-Allow-Methods", methods)
				if headers != "" {
					h.Set("Access-Control-Allow-Headers", headers)
				} else if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
					h.Add("Vary", "Access-Control-Request-Headers")
					h.Set("Access-Control-Allow-Headers", req)
				}
				if maxAge != "" {
					h.Set("Access-Control-Max-Age", maxAge)
				}
				h.Set("Content-Length", "0")
				w.WriteHeader(http.StatusNoContent)
				return
			}
			refusePreflight(w, r, o.Log, "Origin "+shown(origin)+" is not allowed by CORS_ORIGIN; add it to CORS_ORIGIN")
		})
	}
}

// CORSDisabled stands where CORS would with CORS_ENABLED=false: requests pass
// untouched (no CORS headers, so browsers keep cross-origin answers from
// scripts), but a preflight gets 403 FORBIDDEN saying CORS is off, and a log
// line, instead of the catch-all 404 "Route doesn't exist".
func CORSDisabled(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Add("Vary", "Origin")
			refusePreflight(w, r, log, "CORS is disabled, so the cross-origin request from "+shown(r.Header.Get("Origin"))+
				" is refused; set CORS_ENABLED=true and add the origin to CORS_ORIGIN")
		})
	}
}

// refusePreflight answers a preflight 403 FORBIDDEN with reason, and logs it.
func refusePreflight(w http.ResponseWriter, r *http.Request, log *slog.Logger, reason string) {
	if log == nil {
		log = slog.Default()
	}
	log.WarnContext(r.Context(), "CORS preflight refused", "origin", shown(r.Header.Get("Origin")),
		"method", r.Header.Get("Access-Control-Request-Method"), "path", truncate(r.URL.Path, 200), "reason", reason)
	writeError(w, auth.ForbiddenReason(reason))
}

// shown is an Origin header fit to echo: bounded, and named when absent.
func shown(origin string) string {
	switch {
	case origin == "":
		return "(no Origin header)"
	case len(origin) > 200:
		return origin[:200] + "…"
	}
	return origin
}

// normalizeOrigin lowers scheme and host and drops a trailing slash, so the
// configured "https://App.example.com/" matches the browser's origin.
func normalizeOrigin(s string) string {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}

func trimAll(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
