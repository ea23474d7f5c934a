CREATE TABLE gh_recovery_codes (
    user_id UUID NOT NULL REFERENCES gh_users (id) ON DELETE CASCADE,
    hash VARCHAR(64) NOT NULL,
    used_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, hash)
);
