package rest_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
)

// BenchmarkLoginBesidesHash is POST /auth/login at the tests' cheap hash
// parameters (256 KiB, one pass: about 0.2 ms), one at a time: roughly what
// a login costs besides its production hash (HTTP, JSON, the user lookup,
// the session write and its commit, signing), to profile that part alone.
func BenchmarkLoginBesidesHash(b *testing.B) {
	benchServersWith(b, nil, func(b *testing.B, s *apptest.Server) {
		c := benchClient()
		b.ReportAllocs()
		for b.Loop() {
			benchLogin(b, c, s)
		}
	})
}
