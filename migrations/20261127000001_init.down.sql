DROP TABLE gh_activity;
--bun:split
DROP TABLE gh_keys;
--bun:split
DROP TABLE gh_sessions;
--bun:split
DROP TABLE gh_users;
--bun:split
DROP TABLE gh_roles;
