package argon2_test

import (
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse/internal/argon2"
)

// A hash in progress lets other goroutines run: with one P, a goroutine that
// is ready when the hash starts must get to run before the hash returns.
// Without the yield it waits for the whole hash (each segment's goroutine
// runs to completion and hands the P back to the waiting caller), and under
// a login flood every request waits behind the hashes.
func TestHashLetsOthersRun(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	buf := argon2.NewBuffer(8192)
	for range 3 {
		var ran atomic.Bool
		go ran.Store(true)
		argon2.IDKey(buf, []byte("password"), []byte("saltsaltsaltsalt"), 1, 8192, 1, 32)
		if !ran.Load() {
			t.Fatal("a goroutine ready before the hash did not run until the hash ended")
		}
	}
}
