-- The database's own limit on this machine, for calibrating the refresh
-- numbers: a one-row UPDATE + SELECT transaction (what the performance issue
-- quotes pgbench for). Run by scripts/bench.sh with pgbench -c 8 -M prepared.
\set aid random(1, 100000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
END;
