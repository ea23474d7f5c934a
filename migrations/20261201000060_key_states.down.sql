DROP INDEX gh_keys_generation;
--bun:split
ALTER TABLE gh_keys DROP COLUMN generation;
--bun:split
ALTER TABLE gh_keys DROP COLUMN activates_at;
