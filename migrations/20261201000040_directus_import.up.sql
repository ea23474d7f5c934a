CREATE TABLE gh_imported_users (
    user_id UUID PRIMARY KEY REFERENCES gh_users (id) ON DELETE CASCADE,
    source VARCHAR(32) NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE TABLE gh_imported_sessions (
    token_hash VARCHAR(64) PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES gh_users (id) ON DELETE CASCADE,
    session_id UUID REFERENCES gh_sessions (id) ON DELETE SET NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE INDEX gh_imported_sessions_session_idx ON gh_imported_sessions (session_id);
--bun:split
CREATE INDEX gh_imported_sessions_user_idx ON gh_imported_sessions (user_id);
--bun:split
ALTER TABLE gh_roles ADD COLUMN description TEXT;
