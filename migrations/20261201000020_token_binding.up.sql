ALTER TABLE gh_tokens ADD COLUMN user_email VARCHAR(255);
--bun:split
ALTER TABLE gh_tokens ADD COLUMN password_hash VARCHAR(255);
--bun:split
-- Every token is bound to the email its user had when it was issued.
UPDATE gh_tokens SET user_email = (SELECT u.email FROM gh_users u WHERE u.id = gh_tokens.user_id);
--bun:split
-- A verification token now carries the password of the registration that sent
-- it. A user's first one came with the registration that set the stored
-- password; later ones were re-sends to a re-registration, whose password was
-- never kept, so they die (registering again sends a fresh link).
UPDATE gh_tokens SET password_hash = (SELECT u.password FROM gh_users u WHERE u.id = gh_tokens.user_id)
WHERE kind = 'verify_email' AND used_at IS NULL AND NOT EXISTS (
    SELECT 1 FROM gh_tokens o WHERE o.user_id = gh_tokens.user_id AND o.kind = 'verify_email' AND o.created_at < gh_tokens.created_at);
--bun:split
UPDATE gh_tokens SET used_at = created_at WHERE kind = 'verify_email' AND used_at IS NULL AND password_hash IS NULL;
--bun:split
-- Bodies of messages no longer pending carry links nobody needs any more.
UPDATE gh_outbox SET html = '', text = '' WHERE status <> 'pending';
