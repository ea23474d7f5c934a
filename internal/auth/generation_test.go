package auth

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

func TestGenerationState(t *testing.T) {
	rotated := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	const grace = 10 * time.Second
	for _, c := range []struct {
		name    string
		sessGen int64
		rotated *time.Time
		gen     int64
		now     time.Time
		want    genState
	}{
		{"current", 5, &rotated, 5, rotated.Add(time.Hour), genCurrent},
		{"current, never rotated", 0, nil, 0, rotated, genCurrent},
		{"previous within grace", 5, &rotated, 4, rotated.Add(grace - time.Nanosecond), genGrace},
		{"previous at the grace boundary", 5, &rotated, 4, rotated.Add(grace), genGrace},
		{"previous past grace", 5, &rotated, 4, rotated.Add(grace + time.Nanosecond), genSpent},
		{"previous, no rotation time", 5, nil, 4, rotated, genSpent},
		{"two back, within grace", 5, &rotated, 3, rotated, genSpent},
		{"far back", 5, &rotated, 0, rotated, genSpent},
		{"next", 5, &rotated, 6, rotated, genFuture},
		{"far ahead", 5, &rotated, 1 << 62, rotated, genFuture},
	} {
		sess := &models.Session{Generation: c.sessGen, RotatedAt: c.rotated}
		if got := generationState(sess, c.gen, c.now, grace); got != c.want {
			t.Errorf("%s: generationState = %d, want %d", c.name, got, c.want)
		}
	}
}
