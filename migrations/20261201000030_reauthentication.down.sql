ALTER TABLE gh_tokens DROP COLUMN session_id;
--bun:split
ALTER TABLE gh_tokens DROP COLUMN new_email;
--bun:split
ALTER TABLE gh_users DROP COLUMN tfa_pending_at;
--bun:split
ALTER TABLE gh_users DROP COLUMN tfa_pending;
