package token

import (
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// SignPayloadForTest signs arbitrary payload bytes with the manager's real
// signing key and the given alg and header members, so tests can build
// tokens Sign refuses to make (no iss, no exp, other algorithms).
func SignPayloadForTest(m *Manager, alg jwa.SignatureAlgorithm, hdr map[string]any, payload []byte) (string, error) {
	sg := m.state.Load().signerAt(m.now())
	h := jws.NewHeaders()
	for k, v := range hdr {
		if err := h.Set(k, v); err != nil {
			return "", err
		}
	}
	out, err := jws.Sign(payload, jws.WithKey(alg, sg.key, jws.WithProtectedHeaders(h)))
	return string(out), err
}

// SignerKIDForTest is the kid that currently signs.
func SignerKIDForTest(m *Manager) string { return m.state.Load().signerAt(m.now()).kid }

// SignUncheckedForTest signs with an explicit lifetime, bypassing MaxTTL.
func SignUncheckedForTest(m *Manager, c Claims, iat, exp time.Time) (string, error) {
	return m.signWith(m.state.Load().signerAt(m.now()), c, iat, exp)
}

// SetReloadClockForTest replaces the real clock that spaces unknown-kid
// reloads. Call it before the Manager is used concurrently.
func SetReloadClockForTest(m *Manager, now func() time.Time) { m.kids.now = now }

// SetReloadIntervalForTest shortens the unknown-kid reload interval, for
// tests that verify many unknown kids and are not about the interval.
func SetReloadIntervalForTest(m *Manager, d time.Duration) { m.kids.interval = d }
