package store

import (
	"strings"
	"testing"
)

func TestPoolSize(t *testing.T) {
	def := defaultPool()
	for _, c := range []struct {
		requested, available, want int
		err                        bool
	}{
		{0, 97, min(def, 48), false}, // PostgreSQL's defaults: 100 less 3 reserved
		{0, 10, 5, false},            // a small server: half of it
		{0, 3, 2, false},             // never fewer than two
		{40, 97, 40, false},          // an explicit size is kept
		{97, 97, 97, false},
		{98, 97, 0, true}, // more than the server allows: refused at start
	} {
		got, err := poolSize(c.requested, c.available)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("poolSize(%d, %d) = %d, %v; want %d, error %v", c.requested, c.available, got, err, c.want, c.err)
		}
		if err != nil && !strings.Contains(err.Error(), "DB_POOL_MAX=98") {
			t.Errorf("error does not name the setting: %v", err)
		}
	}
}
