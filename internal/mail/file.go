package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// File writes each message as an .eml file: the zero-configuration transport,
// so a fresh install's reset flow works without a mail server. The bodies are
// not quoted-printable (8bit): a developer copies a link straight from the
// file, and quoted-printable would break it ("=3D", soft line breaks).
type File struct {
	dir    string
	logger *slog.Logger
	now    func() time.Time
}

// NewFile writes under dir (the caller passes DATA_DIR/mail by default),
// creating it owner-only: the files hold live tokens.
func NewFile(dir string, logger *slog.Logger) (*File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create mail directory: %w", err)
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &File{dir: dir, logger: logger, now: time.Now}, nil
}

// Send writes m to <dir>/<timestamp>-<id>.eml.
func (f *File) Send(ctx context.Context, m Message, from string) error {
	now := f.now().UTC()
	msg, err := buildMsg(m, from, now, true)
	if err != nil {
		return err
	}
	id := m.ID
	if id == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	path := filepath.Join(f.dir, now.Format("20060102T150405.000000000Z")+"-"+filepath.Base(id)+".eml")
	// Write to a temporary name and rename, so a reader never sees half a mail.
	tmp, err := os.CreateTemp(f.dir, ".tmp-*.eml")
	if err != nil {
		return fmt.Errorf("write mail: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := msg.WriteTo(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write mail: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write mail: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write mail: %w", err)
	}
	// Where, never what: the file holds a live link.
	f.logger.InfoContext(ctx, "email written to file; open it to follow its link", "path", path, "subject", m.Subject)
	return nil
}
