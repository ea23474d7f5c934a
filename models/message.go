package models

import (
	"time"

	"github.com/uptrace/bun"
)

// Outbox message states. Only pending rows are ever claimed.
const (
	MessagePending   = "pending"
	MessageSent      = "sent"
	MessageAbandoned = "abandoned" // gave up after the maximum number of attempts
	MessageExpired   = "expired"   // its link died while it was queued: never sent
)

// Message is one queued email. It is written in the same transaction as the
// token it carries, so a token is never issued without its mail (and vice
// versa); a worker delivers it at least once.
type Message struct {
	bun.BaseModel `bun:"table:gh_outbox,alias:o"`

	ID            string     `bun:"id,pk"`
	ToAddress     string     `bun:"to_address,notnull"`
	Subject       string     `bun:"subject,notnull"`
	HTML          string     `bun:"html,notnull"`
	Text          string     `bun:"text,notnull"`
	Status        string     `bun:"status,notnull"`
	Attempts      int        `bun:"attempts,notnull"`
	NextAttemptAt time.Time  `bun:"next_attempt_at,notnull"`
	NotAfter      *time.Time `bun:"not_after"`     // nil: never expires
	LastError     *string    `bun:"last_error"`    // transport error, never credentials
	ClaimedUntil  *time.Time `bun:"claimed_until"` // a worker's lease
	CreatedAt     time.Time  `bun:"created_at,notnull"`
	SentAt        *time.Time `bun:"sent_at"`
}
