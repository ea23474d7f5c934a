CREATE TABLE gh_outbox (
    id UUID PRIMARY KEY,
    to_address VARCHAR(255) NOT NULL,
    subject VARCHAR(998) NOT NULL,
    html TEXT NOT NULL,
    text TEXT NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    not_after TIMESTAMPTZ,
    last_error TEXT,
    claimed_until TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ
);
--bun:split
CREATE INDEX gh_outbox_status_next_idx ON gh_outbox (status, next_attempt_at);
