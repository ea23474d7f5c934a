CREATE TABLE gh_roles (
    id UUID PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    admin_access BOOLEAN NOT NULL DEFAULT FALSE,
    app_access BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE TABLE gh_users (
    id UUID PRIMARY KEY,
    first_name VARCHAR(50),
    last_name VARCHAR(50),
    email VARCHAR(128),
    email_lower VARCHAR(128),
    password VARCHAR(255),
    status VARCHAR(16) NOT NULL DEFAULT 'active',
    role UUID REFERENCES gh_roles (id) ON DELETE SET NULL,
    token_hash VARCHAR(64),
    tfa_secret VARCHAR(255),
    tfa_last_step BIGINT,
    last_access TIMESTAMPTZ,
    provider VARCHAR(128) NOT NULL DEFAULT 'default',
    failed_logins INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE UNIQUE INDEX gh_users_email_lower_key ON gh_users (email_lower);
--bun:split
CREATE UNIQUE INDEX gh_users_token_hash_key ON gh_users (token_hash);
--bun:split
CREATE INDEX gh_users_role_idx ON gh_users (role);
--bun:split
CREATE TABLE gh_sessions (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES gh_users (id) ON DELETE CASCADE,
    generation BIGINT NOT NULL DEFAULT 0,
    rotated_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ NOT NULL,
    ip VARCHAR(255),
    user_agent TEXT,
    origin VARCHAR(255)
);
--bun:split
CREATE INDEX gh_sessions_user_idx ON gh_sessions (user_id);
--bun:split
CREATE INDEX gh_sessions_expires_idx ON gh_sessions (expires_at);
--bun:split
CREATE TABLE gh_keys (
    kid VARCHAR(64) PRIMARY KEY,
    alg VARCHAR(16) NOT NULL,
    private_jwk TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    retired_at TIMESTAMPTZ,
    delete_after TIMESTAMPTZ
);
--bun:split
CREATE TABLE gh_activity (
    id UUID PRIMARY KEY,
    action VARCHAR(45) NOT NULL,
    user_id UUID,
    ip VARCHAR(50),
    user_agent TEXT,
    origin VARCHAR(255),
    collection VARCHAR(64) NOT NULL,
    item VARCHAR(255),
    detail TEXT,
    timestamp TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE INDEX gh_activity_user_idx ON gh_activity (user_id, timestamp);
