ALTER TABLE gh_tokens DROP COLUMN password_hash;
--bun:split
ALTER TABLE gh_tokens DROP COLUMN user_email;
