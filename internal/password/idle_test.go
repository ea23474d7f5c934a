//go:build linux

package password

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const mib = 1 << 20

// rssAnon is this process's anonymous resident memory, in bytes.
func rssAnon(t *testing.T) int64 {
	t.Helper()
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb * 1024
		}
	}
	t.Fatal("no RssAnon in /proc/self/status")
	return 0
}

// A hasher holds its slots' memory while hashes keep coming; once they stop,
// the memory goes back to the operating system, and hashing works as before.
func TestIdleHashMemoryGoesBackToTheOS(t *testing.T) {
	p := Params{Memory: 48 * 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	h := NewHasher(p, 1, time.Second)
	h.idleAfter = time.Hour // released by hand first
	enc, err := h.Hash(bg, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	before := rssAnon(t)
	h.releaseIdle()
	if freed := before - rssAnon(t); freed < 40*mib {
		t.Fatalf("releasing the idle slot freed %d MiB of RSS; want the 48 MiB buffer", freed/mib)
	}
	if ok, _, err := h.Verify(bg, enc, "correct horse"); !ok || err != nil {
		t.Fatalf("verify after release: %v %v", ok, err)
	}
	if ok, _, _ := h.Verify(bg, enc, "wrong horse"); ok {
		t.Fatal("a wrong password verified after release")
	}

	// The countdown does it by itself once no hash has ended for idleAfter.
	h.idleAfter = 20 * time.Millisecond
	if _, _, err := h.Verify(bg, enc, "correct horse"); err != nil {
		t.Fatal(err)
	}
	high := rssAnon(t)
	for deadline := time.Now().Add(10 * time.Second); high-rssAnon(t) < 40*mib; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("RSS still %d MiB, %d MiB after the last hash; want the buffer released", rssAnon(t)/mib, high/mib)
		}
	}
}

// Releasing while hashes run neither disturbs them nor deadlocks: it takes
// only the slots no hash holds.
func TestReleaseIdleBesideRunningHashes(t *testing.T) {
	h := NewHasher(cheap, 2, 10*time.Second)
	enc, err := h.Hash(bg, "pw-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for range 20 {
				if ok, _, err := h.Verify(bg, enc, "pw-0123456789"); !ok || err != nil {
					t.Errorf("verify beside releases: %v %v", ok, err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			h.releaseIdle()
		}
	})
	wg.Wait()
}
