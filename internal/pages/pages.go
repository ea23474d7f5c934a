// Package pages serves Gatehouse's few built-in HTML pages (the password
// reset and invite forms, the email-verification button). They work without
// JavaScript, load nothing from elsewhere, and run under a strict CSP. Like
// the REST handlers they only call internal/auth.
package pages

import (
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/relurl"
)

//go:embed templates/*.html templates/pages.css
var files embed.FS

// CSP allows only our stylesheet and same-origin form posts.
const CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Pages serves the built-in pages.
type Pages struct {
	svc     *auth.Service
	tmpl    *template.Template
	css     []byte
	project string
	maxBody int64
	log     *slog.Logger
}

// New parses the templates.
func New(svc *auth.Service, project string, maxBody int64, log *slog.Logger) (*Pages, error) {
	t, err := template.ParseFS(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	css, err := files.ReadFile("templates/pages.css")
	if err != nil {
		return nil, err
	}
	return &Pages{svc: svc, tmpl: t, css: css, project: project, maxBody: maxBody, log: log}, nil
}

// Routes registers the pages on mux.
func (p *Pages) Routes(mux *http.ServeMux) {
	for _, f := range p.forms() {
		mux.HandleFunc("GET "+f.path, p.show(f))
		mux.HandleFunc("POST "+f.path, p.submit(f))
	}
	mux.HandleFunc("GET "+verifyPath, p.showVerify)
	mux.HandleFunc("POST "+verifyPath, p.submitVerify)
	mux.HandleFunc("GET /admin/email-verified", p.verified)
	mux.HandleFunc("GET "+confirmEmailPath, p.showConfirmEmail)
	mux.HandleFunc("POST "+confirmEmailPath, p.submitConfirmEmail)
	mux.HandleFunc("GET "+stylesheetPath, p.stylesheet)
}

const stylesheetPath = "/admin/assets/pages.css"

func (p *Pages) stylesheet(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(p.css)
}

// view is what a page template receives.
type view struct {
	Project string
	Title   string
	Intro   string
	Action  string // the form's target, as routed; rendered relative (see relurl)
	CSS     string // set by render
	Token   string
	Button  string // a form with only this button (no password fields)
	Error   string
	Done    string // the success message, once done
}

func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	v.Project = p.project
	// Relative links: the page may be served under a proxy's path prefix.
	v.CSS = relurl.To(r, stylesheetPath)
	if v.Action != "" {
		v.Action = relurl.To(r, v.Action)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer") // the URL carries a token
	w.WriteHeader(status)
	if err := p.tmpl.ExecuteTemplate(w, name, v); err != nil {
		p.log.Error("rendering page failed", "page", name, "err", err)
	}
}

// showLink renders a mailed link's landing page (GET) from template name:
// the token goes into the form, checked at the edge, and nothing is spent
// (mail scanners follow links with GET).
func (p *Pages) showLink(w http.ResponseWriter, r *http.Request, name string, v view) {
	v.Token = r.URL.Query().Get("token")
	switch err := checkFields(r.URL.Query(), "token"); {
	case err != nil:
		v.Token, v.Error = "", auth.AsError(err).Message
	case v.Token == "":
		v.Error = "This link is incomplete. Open the link from your email again."
	default:
		p.render(w, r, http.StatusOK, name, v)
		return
	}
	p.render(w, r, http.StatusBadRequest, name, v)
}

// submitButton handles the POST of a button page (form: token): spend runs
// the service with the token; say words its failure for a person (message
// by default).
func (p *Pages) submitButton(w http.ResponseWriter, r *http.Request, v view, done string,
	spend func(token string) error, say func(error) (int, string)) {
	r.Body = http.MaxBytesReader(w, r.Body, p.maxBody)
	if err := r.ParseForm(); err != nil {
		v.Error = "The form could not be read. Try again."
		p.render(w, r, http.StatusBadRequest, "password.html", v)
		return
	}
	if err := checkFields(r.PostForm, "token"); err != nil {
		v.Error = auth.AsError(err).Message
		p.render(w, r, http.StatusBadRequest, "password.html", v)
		return
	}
	if err := spend(r.PostForm.Get("token")); err != nil {
		status, msg := say(err)
		v.Error = msg
		p.render(w, r, status, "password.html", v)
		return
	}
	v.Done = done
	p.render(w, r, http.StatusOK, "password.html", v)
}

// checkFields applies the edge check of text input (auth.CheckText) to a
// page's query or form values, by name.
func checkFields(vals url.Values, names ...string) error {
	for _, n := range names {
		for _, v := range vals[n] {
			if err := auth.CheckText(n, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// message is what a person reads for a failed reset.
func message(err error) (int, string) {
	switch {
	case errors.Is(err, auth.ErrInvalidToken):
		return http.StatusForbidden, "This link is not valid. Request a new one."
	case errors.Is(err, auth.ErrTokenExpired):
		return http.StatusUnauthorized, "This link has expired. Request a new one."
	case errors.Is(err, auth.ErrForbidden), errors.Is(err, auth.ErrInvalidInvite):
		return http.StatusForbidden, "This link has already been used."
	}
	e := auth.AsError(err)
	switch e.Code {
	case auth.CodeFailedValidation, auth.CodeInvalidPayload:
		return http.StatusBadRequest, e.Message
	case auth.CodeServiceUnavailable:
		return http.StatusServiceUnavailable, "The server is busy. Try again in a moment."
	}
	return http.StatusInternalServerError, "Something went wrong. Try again later."
}
