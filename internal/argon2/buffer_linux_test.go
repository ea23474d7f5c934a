package argon2

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// A Buffer's blocks start on a huge-page boundary and, where the kernel
// offers transparent huge pages, are backed by them (a hash reads blocks
// at random across its memory; with 4 KiB pages most reads miss the TLB).
func TestBufferUsesHugePages(t *testing.T) {
	buf := NewBuffer(19456)
	start := uintptr(unsafe.Pointer(&buf.mapped[0]))
	if start%hugePage != 0 {
		t.Fatalf("blocks start at %#x, not on a %d-byte boundary", start, hugePage)
	}
	IDKey(buf, []byte("password"), []byte("saltsaltsaltsalt"), 1, 19456, 1, 32)

	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(mode), "[never]") {
		t.Skip("transparent huge pages are off here:", strings.TrimSpace(string(mode)), err)
	}
	if kb := anonHugeKB(t, start); kb < 2048 {
		t.Fatalf("the buffer's mapping has %d kB of huge pages; want some of its 19 MiB", kb)
	}
}

// anonHugeKB is AnonHugePages of the mapping in /proc/self/smaps holding addr.
func anonHugeKB(t *testing.T, addr uintptr) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if !strings.HasSuffix(fields[0], ":") { // a mapping's header: "lo-hi perms …"
			lo, hi, _ := strings.Cut(fields[0], "-")
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			in = err1 == nil && err2 == nil && uint64(addr) >= a && uint64(addr) < b
			continue
		}
		if in && fields[0] == "AnonHugePages:" && len(fields) > 1 {
			kb, err := strconv.Atoi(fields[1])
			if err != nil {
				t.Fatal(err)
			}
			return kb
		}
	}
	t.Fatalf("no mapping in /proc/self/smaps holds %#x", addr)
	return 0
}
