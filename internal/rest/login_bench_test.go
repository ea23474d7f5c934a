package rest_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// BenchmarkLoginBesidesHash is POST /auth/login at the tests' cheap hash
// parameters (256 KiB, one pass: about 0.2 ms), one at a time: roughly what
// a login costs besides its production hash (HTTP, JSON, the user lookup,
// the session write and its commit, signing), to profile that part alone.
func BenchmarkLoginBesidesHash(b *testing.B) {
	for _, client := range storetest.Dialects {
		b.Run(client, func(b *testing.B) {
			s := apptest.New(b, client)
			c := benchClient()
			b.ReportAllocs()
			for b.Loop() {
				benchLogin(b, c, s)
			}
		})
	}
}
