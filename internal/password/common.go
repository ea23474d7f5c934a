package password

import (
	_ "embed"
	"strings"
	"sync"
)

// commonPasswords is the zxcvbn common-password list
// (github.com/trustelem/zxcvbn@v1.0.1 data/passwords.txt), lower-cased and
// cut to entries of 8+ characters: shorter ones already fail the minimum
// length. Shipped with the binary because breach APIs are unreachable offline.
//
//go:embed common-passwords.txt
var commonPasswords string

// commonSet is built on first use so processes that never set a password
// (and tests that never check) do not pay for it.
var commonSet = sync.OnceValue(func() map[string]struct{} {
	lines := strings.Split(commonPasswords, "\n")
	set := make(map[string]struct{}, len(lines))
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			set[l] = struct{}{}
		}
	}
	return set
})

// isCommon reports whether plain, case-insensitively, is on the list.
func isCommon(plain string) bool {
	_, ok := commonSet()[strings.ToLower(plain)]
	return ok
}
