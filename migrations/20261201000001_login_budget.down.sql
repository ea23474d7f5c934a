ALTER TABLE gh_users DROP COLUMN login_pending_until;
--bun:split
ALTER TABLE gh_users DROP COLUMN login_pending;
