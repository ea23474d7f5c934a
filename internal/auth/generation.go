package auth

import (
	"time"

	"github.com/gatehouse/gatehouse/models"
)

// genState is where a token's generation stands against its session.
type genState int

const (
	genCurrent genState = iota // the session's generation
	genGrace                   // the previous one, within the grace period after its rotation
	genSpent                   // rotated out: older, or the previous one past the grace period
	genFuture                  // newer than the session: never issued
)

// generationState is the one rule for "may generation gen of sess still be
// used": refresh, logout and session-cookie authentication all ask it.
func generationState(sess *models.Session, gen int64, now time.Time, grace time.Duration) genState {
	switch {
	case gen == sess.Generation:
		return genCurrent
	case gen > sess.Generation:
		return genFuture
	case gen == sess.Generation-1 && sess.RotatedAt != nil && !now.After(sess.RotatedAt.Add(grace)):
		return genGrace
	}
	return genSpent
}

// generation is generationState with the configured grace period.
func (s *Service) generation(sess *models.Session, gen int64, now time.Time) genState {
	return generationState(sess, gen, now, s.set.Grace)
}
