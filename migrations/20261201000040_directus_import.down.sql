ALTER TABLE gh_roles DROP COLUMN description;
--bun:split
DROP TABLE gh_imported_sessions;
--bun:split
DROP TABLE gh_imported_users;
