package mail

import (
	"errors"
	"strings"

	"github.com/gatehouse/gatehouse/internal/seal"
	"github.com/gatehouse/gatehouse/models"
)

// bodyPurpose keys the sealing of queued bodies: they carry live reset,
// invite and verification links, so a reader of the table (a backup, a
// replica) must not be able to follow them.
const bodyPurpose = "gatehouse/outbox-body/v1"

// sealedPrefix marks a sealed body. A body without it was queued before
// bodies were sealed and is sent as it is.
const sealedPrefix = "v1:"

var errNoSealer = errors.New("mail: no SECRET to seal message bodies with")

// NewBodySealer derives the outbox body key from SECRET. The service that
// queues and the worker that sends must use the same SECRET.
func NewBodySealer(secret []byte) (*seal.Sealer, error) { return seal.New(secret, bodyPurpose) }

// bodyAD binds a sealed part to its row, recipient and part: a sealed body
// copied onto another row or address does not open.
func bodyAD(id, to, part string) string {
	return "gatehouse-outbox\x00" + id + "\x00" + to + "\x00" + part
}

func sealBody(s *seal.Sealer, r *models.Message, part, plain string) (string, error) {
	out, err := s.Seal(bodyAD(r.ID, r.ToAddress, part), []byte(plain))
	return sealedPrefix + out, err
}

func openBody(s *seal.Sealer, r models.Message, part, stored string) (string, error) {
	rest, sealed := strings.CutPrefix(stored, sealedPrefix)
	if !sealed {
		return stored, nil
	}
	if s == nil {
		return "", errNoSealer
	}
	plain, err := s.Open(bodyAD(r.ID, r.ToAddress, part), rest)
	return string(plain), err
}
