ALTER TABLE gh_keys ADD COLUMN activates_at TIMESTAMPTZ;
--bun:split
ALTER TABLE gh_keys ADD COLUMN generation BIGINT;
--bun:split
UPDATE gh_keys SET activates_at = created_at;
--bun:split
UPDATE gh_keys SET generation = (SELECT COUNT(*) FROM gh_keys k2
    WHERE k2.created_at < gh_keys.created_at OR (k2.created_at = gh_keys.created_at AND k2.kid <= gh_keys.kid));
--bun:split
CREATE UNIQUE INDEX gh_keys_generation ON gh_keys (generation);
