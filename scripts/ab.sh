#!/usr/bin/env bash
# A/B two server binaries on one scenario, alternating runs so the machine's
# drift hits both alike, and report throughput and CPU per request of the
# server, PostgreSQL and the load generator (this VM's speed varies by the
# hour; CPU per request varies far less than req/s).
#
# Usage: scripts/ab.sh BIN_A BIN_B [scenario flags…]
#   e.g. scripts/ab.sh /tmp/gh-before /tmp/gh-after -c 16 -d 9s refresh
# Env: RUNS (pairs, default 3), DB (pg or sqlite, default pg), PG_BASE, PORT,
# and server settings passed through as for scripts/bench.sh.
# A_POOLER=pgbouncer / B_POOLER=pgbouncer runs that side through a PgBouncer in
# transaction mode (started here on PGB_PORT, default 16432, with PGB_POOL
# server connections, default 8) with DB_POOLER=transaction; the same binary
# as A and B then compares pooled with direct:
#   B_POOLER=pgbouncer scripts/ab.sh /tmp/gh /tmp/gh -c 16 -d 9s refresh
set -euo pipefail
# go.mod's toolchain; the machines pin GOTOOLCHAIN=local. Fetch it before any parallel build.
export GOTOOLCHAIN=go1.27.3
go version >/dev/null
cd "$(dirname "$0")/.."

A=$1 B=$2; shift 2
[[ $# -gt 0 ]] || set -- -c 16 -d 9s refresh
RUNS=${RUNS:-3}
DB=${DB:-pg}
PORT=${PORT:-18056}
PG_BASE=${PG_BASE:-postgres://postgres@127.0.0.1:5432}
PW=bench-password-0123
URL=http://127.0.0.1:$PORT
OUT=$(mktemp -d /tmp/gatehouse-ab.XXXXXX)
# Whatever ends the script, end the servers it started.
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$OUT"' EXIT
(cd tools && go build -o "$OUT/gatehouse-bench" ./gatehouse-bench) # its own module: tools/go.mod

# cpu_ticks <comm>: utime+stime (clock ticks) summed over processes named comm
# (names without spaces, so the fields of /proc/<pid>/stat line up; a process
# that ends while cat reads is skipped, not a failure under pipefail).
cpu_ticks() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v c="($1)" '$2 == c { t += $14 + $15 } END { print t + 0 }'
}

PGB_PORT=${PGB_PORT:-16432}
start_pgbouncer() { # start_pgbouncer <database>: PgBouncer in transaction mode in front of PG_BASE
  local hostport=${PG_BASE#*@}
  cat >"$OUT/pgbouncer.ini" <<INI
[databases]
$1 = host=${hostport%:*} port=${hostport##*:} dbname=$1
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = trust
auth_file = $OUT/userlist.txt
pool_mode = transaction
default_pool_size = ${PGB_POOL:-8}
max_client_conn = 1000
server_reset_query =
INI
  echo '"postgres" ""' >"$OUT/userlist.txt"
  local as_user=()
  [[ $(id -u) != 0 ]] || as_user=(-u postgres) # PgBouncer refuses to run as root
  /usr/sbin/pgbouncer "${as_user[@]}" "$OUT/pgbouncer.ini" >"$OUT/pgbouncer.log" 2>&1 &
  PGB_PID=$!
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$PGB_PORT) 2>/dev/null && break; sleep 0.1; done
  kill -0 "$PGB_PID" 2>/dev/null || { echo "pgbouncer did not start:"; cat "$OUT/pgbouncer.log"; exit 1; }
}

run() { # run <label> <bin> <flags…>
  local label=$1 bin=$2; shift 2
  local data="$OUT/data" dbenv pgdb="" pooler_var=${label}_POOLER
  local pooler=${!pooler_var:-}
  PGB_PID=""
  rm -rf "$data"
  if [[ $DB == pg ]]; then
    pgdb=gatehouse_ab_$$
    psql "$PG_BASE/postgres?sslmode=disable" -qc "CREATE DATABASE $pgdb" >/dev/null
    dbenv="DB_CLIENT=pg DB_CONNECTION_STRING=$PG_BASE/$pgdb?sslmode=disable"
    if [[ $pooler == pgbouncer ]]; then
      start_pgbouncer "$pgdb"
      dbenv="DB_CLIENT=pg DB_POOLER=transaction DB_CONNECTION_STRING=postgres://postgres@127.0.0.1:$PGB_PORT/$pgdb?sslmode=disable"
    fi
  else
    dbenv="DB_CLIENT=sqlite3 DB_FILENAME=$data/gatehouse.db"
  fi
  # The server runs as "gatehouse" whatever the file is called, so its CPU can be told apart.
  cp "$bin" "$OUT/gatehouse"
  env SECRET=bench-secret-0123456789-0123456789-abcdef ADMIN_PASSWORD=$PW HOST=127.0.0.1 PORT=$PORT \
    LOG_LEVEL=warn DATA_DIR="$data" $dbenv "$OUT/gatehouse" serve >"$OUT/$label.log" 2>&1 &
  local sp=$!
  for _ in $(seq 100); do curl -fs "$URL/server/ping" >/dev/null 2>&1 && break; sleep 0.1; done
  "$OUT/gatehouse-bench" -url "$URL" -email admin@example.com -password $PW "$@" >"$OUT/$label.out" 2>&1 &
  local bp=$!
  sleep 3 # past the logins and warm-up
  local s0 p0 b0 g0 s1 p1 b1 g1
  s0=$(cpu_ticks gatehouse) p0=$(cpu_ticks postgres) b0=$(cpu_ticks gatehouse-bench) g0=$(cpu_ticks pgbouncer)
  sleep 5
  s1=$(cpu_ticks gatehouse) p1=$(cpu_ticks postgres) b1=$(cpu_ticks gatehouse-bench) g1=$(cpu_ticks pgbouncer)
  wait $bp || true
  kill $sp 2>/dev/null || true
  wait $sp 2>/dev/null || true
  if [[ -n $PGB_PID ]]; then kill "$PGB_PID" 2>/dev/null || true; wait "$PGB_PID" 2>/dev/null || true; fi
  [[ -z $pgdb ]] || psql "$PG_BASE/postgres?sslmode=disable" -qc "DROP DATABASE $pgdb WITH (FORCE)" >/dev/null
  local rps tick
  rps=$(grep -oE 'req/s [0-9.]+' "$OUT/$label.out" | head -1 | awk '{print $2}')
  tick=$(getconf CLK_TCK)
  awk -v l="$label${pooler:+ ($pooler)}" -v r="${rps:-0}" -v t="$tick" -v s=$((s1 - s0)) -v p=$((p1 - p0)) -v b=$((b1 - b0)) -v g=$((g1 - g0)) 'BEGIN {
    n = r * 5; if (n == 0) n = 1
    printf "%-4s %8.0f req/s   CPU µs/request: server %5.0f  postgres %5.0f  load generator %5.0f",
      l, r, s / t * 1e6 / n, p / t * 1e6 / n, b / t * 1e6 / n
    if (g > 0) printf "  pgbouncer %5.0f", g / t * 1e6 / n
    printf "\n" }'
}

echo "# A=$A B=$B DB=$DB scenario: $*"
for i in $(seq "$RUNS"); do
  run A "$A" "$@"
  run B "$B" "$@"
done
