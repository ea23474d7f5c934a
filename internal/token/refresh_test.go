package token_test

import (
	"errors"
	"math"
	"testing"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/token"
)

func TestRefreshRoundTrip(t *testing.T) {
	r := token.NewRefresh(testSecret)
	seen := make(map[string]bool, 10000)
	gens := []int64{0, 1, 2, math.MaxInt64, -1, math.MinInt64}
	for i := range 10000 {
		sid := uuid.NewString()
		gen := gens[i%len(gens)] + int64(i/len(gens))
		tok := r.Encode(sid, gen)
		if len(tok) != 64 {
			t.Fatalf("len = %d", len(tok))
		}
		if seen[tok] {
			t.Fatal("duplicate token")
		}
		seen[tok] = true
		gotSID, gotGen, err := r.Decode(tok)
		if err != nil || gotSID != sid || gotGen != gen {
			t.Fatalf("Decode = %q %d %v, want %q %d", gotSID, gotGen, err, sid, gen)
		}
		if i < 200 { // every one-character change fails
			for j := range tok {
				b := []byte(tok)
				b[j] = "AB"[btoi(b[j] == 'A')]
				if _, _, err := r.Decode(string(b)); !errors.Is(err, token.ErrMalformedRefresh) {
					t.Fatalf("changed char %d accepted", j)
				}
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestRefreshWrongSecretAndGarbage(t *testing.T) {
	tok := token.NewRefresh(testSecret).Encode(uuid.NewString(), 3)
	if _, _, err := token.NewRefresh([]byte("other-secret")).Decode(tok); !errors.Is(err, token.ErrMalformedRefresh) {
		t.Fatalf("wrong secret: %v", err)
	}
	r := token.NewRefresh(testSecret)
	for _, s := range []string{"", "x", tok[:63], tok + "A", tok[:63] + "=", tok[:60] + "!!!!", string(make([]byte, 64)), "\xff" + tok[1:]} {
		if _, _, err := r.Decode(s); !errors.Is(err, token.ErrMalformedRefresh) {
			t.Fatalf("Decode(%q) = %v", s, err)
		}
	}
}

func TestRefreshEncodeRejectsNonUUID(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("non-UUID session id encoded")
		}
	}()
	token.NewRefresh(testSecret).Encode("not-a-uuid", 1)
}
