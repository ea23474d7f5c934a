DROP TABLE gh_recovery_codes;
