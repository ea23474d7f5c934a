// Package mailtest is an in-process SMTP sink for tests: it accepts every
// message on 127.0.0.1, keeps it, and can be told to fail temporarily (451)
// or to stop listening altogether.
package mailtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Mail is one received message, decoded.
type Mail struct {
	From    string   // envelope sender (MAIL FROM)
	Rcpt    []string // envelope recipients (RCPT TO)
	To      []string // addresses in the To header
	Subject string   // decoded Subject header
	Text    string   // the text/plain part, transfer-decoded
	HTML    string   // the text/html part, transfer-decoded
	Raw     []byte   // the message as received
	Header  mail.Header
}

// Server is a running sink. All methods are safe for concurrent use.
type Server struct {
	t    testing.TB
	addr string // fixed after the first listen, so Up reuses the port

	mu       sync.Mutex
	received []Mail
	tempFail bool
	srv      *smtp.Server
	ln       net.Listener
}

// NewServer starts a sink on 127.0.0.1 with a free port; it stops when the
// test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, addr: "127.0.0.1:0"}
	s.Up()
	t.Cleanup(s.Down)
	return s
}

// Host is the address to connect to.
func (s *Server) Host() string {
	h, _, _ := net.SplitHostPort(s.address())
	return h
}

// Port is the port the sink listens on (kept across Down/Up).
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.address())
	n, _ := strconv.Atoi(p)
	return n
}

func (s *Server) address() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Env is the Gatehouse configuration that sends mail to this sink.
func (s *Server) Env() []string {
	return []string{
		"EMAIL_TRANSPORT=smtp",
		"EMAIL_SMTP_HOST=" + s.Host(),
		"EMAIL_SMTP_PORT=" + strconv.Itoa(s.Port()),
		"EMAIL_SMTP_IGNORE_TLS=true",
	}
}

// Up starts listening (again, on the same port after Down). It does nothing
// when the sink is already up.
func (s *Server) Up() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return
	}
	var ln net.Listener
	var err error
	// The port was just released by Down; a lingering socket may hold it briefly.
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("mailtest: listen %s: %v", s.addr, err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "mailtest.local"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 10 << 20
	s.addr, s.srv, s.ln = ln.Addr().String(), srv, ln
	go func() { _ = srv.Serve(ln) }()
}

// Down stops listening and drops open connections: new connections are
// refused until Up.
func (s *Server) Down() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if srv != nil {
		// Close the listener ourselves too: Serve may not have registered it yet.
		_ = ln.Close()
		_ = srv.Close()
	}
}

// SetTempFail makes the sink answer 451 (try again later) to every MAIL
// and DATA command while v is true.
func (s *Server) SetTempFail(v bool) {
	s.mu.Lock()
	s.tempFail = v
	s.mu.Unlock()
}

// Messages returns what the sink has received so far, oldest first.
func (s *Server) Messages() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.received...)
}

// Reset forgets the received messages.
func (s *Server) Reset() {
	s.mu.Lock()
	s.received = nil
	s.mu.Unlock()
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"']+`)

// Link returns the first URL in m's text part that carries a token= query
// parameter, failing the test if there is none.
func Link(t testing.TB, m Mail) string {
	t.Helper()
	for _, u := range linkRE.FindAllString(m.Text, -1) {
		if strings.Contains(u, "token=") {
			return u
		}
	}
	t.Fatalf("mailtest: no link with token= in the text part:\n%s", m.Text)
	return ""
}

// Link is the package function Link as a method, for convenience.
func (s *Server) Link(t testing.TB, m Mail) string {
	t.Helper()
	return Link(t, m)
}

func (s *Server) failing() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tempFail {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	return nil
}

type session struct {
	s    *Server
	from string
	rcpt []string
}

func (x *session) Reset()        { x.from, x.rcpt = "", nil }
func (x *session) Logout() error { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if err := x.s.failing(); err != nil {
		return err
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.rcpt = append(x.rcpt, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := x.s.failing(); err != nil {
		return err
	}
	m, err := Parse(b)
	if err != nil {
		// Keep what can be kept; the test will see the empty parts.
		m = Mail{Raw: b}
	}
	m.From, m.Rcpt = x.from, append([]string(nil), x.rcpt...)
	x.s.mu.Lock()
	x.s.received = append(x.s.received, m)
	x.s.mu.Unlock()
	return nil
}

// Parse decodes a raw RFC 5322 message: headers, and the text and HTML
// bodies of a single-part or multipart (alternative/mixed/related) message,
// with quoted-printable and base64 transfer encodings undone.
func Parse(raw []byte) (Mail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Mail{Raw: raw}, fmt.Errorf("mailtest: %w", err)
	}
	m := Mail{Raw: raw, Header: msg.Header}
	var dec mime.WordDecoder
	if subj, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
		m.Subject = subj
	} else {
		m.Subject = msg.Header.Get("Subject")
	}
	if to, err := msg.Header.AddressList("To"); err == nil {
		for _, a := range to {
			m.To = append(m.To, a.Address)
		}
	}
	err = m.walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	return m, err
}

func (m *Mail) walk(contentType, encoding string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("mailtest: Content-Type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart: decode quoted-printable ourselves, like base64.
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("mailtest: %w", err)
			}
			if err := m.walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	var r io.Reader = body
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, stripSpace{body})
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("mailtest: decoding %s body: %w", encoding, err)
	}
	switch mt {
	case "text/plain":
		if m.Text == "" {
			m.Text = string(b)
		}
	case "text/html":
		if m.HTML == "" {
			m.HTML = string(b)
		}
	}
	return nil
}

// stripSpace drops CR, LF, spaces and tabs, which base64 bodies are wrapped with.
type stripSpace struct{ r io.Reader }

func (s stripSpace) Read(p []byte) (int, error) {
	for {
		n, err := s.r.Read(p)
		j := 0
		for _, c := range p[:n] {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}
