DROP TABLE gh_tokens;
