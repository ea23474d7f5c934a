ALTER TABLE gh_users ADD COLUMN tfa_pending VARCHAR(255);
--bun:split
ALTER TABLE gh_users ADD COLUMN tfa_pending_at TIMESTAMPTZ;
--bun:split
ALTER TABLE gh_tokens ADD COLUMN new_email VARCHAR(128);
--bun:split
ALTER TABLE gh_tokens ADD COLUMN session_id VARCHAR(36);
