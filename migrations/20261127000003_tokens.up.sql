CREATE TABLE gh_tokens (
    hash VARCHAR(64) PRIMARY KEY,
    kind VARCHAR(32) NOT NULL,
    user_id UUID NOT NULL REFERENCES gh_users (id) ON DELETE CASCADE,
    password_mark VARCHAR(64) NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE INDEX gh_tokens_user_idx ON gh_tokens (user_id, kind);
