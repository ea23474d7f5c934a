package httpmw

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
}

// CORS answers cross-origin requests. An allowed origin is echoed exactly
// (never "*", so credentials work) with Vary: Origin; a disallowed one gets
// no Access-Control-Allow-Origin, so the browser withholds the response.
// Preflights (OPTIONS with Access-Control-Request-Method) are answered 204
// here and never reach the handler.
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
			}
			h.Set("Content-Length", "0")
			w.WriteHeader(http.StatusNoContent)
		})
	}
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
