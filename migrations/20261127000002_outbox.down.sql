DROP TABLE gh_outbox;
