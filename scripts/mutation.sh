#!/usr/bin/env bash
# Mutation testing of the security rules (issue 17): change one condition at a
# time and check that some test fails.
#
#   1. gremlins (pinned, installed into a cache dir) over internal/auth and
#      internal/token: flips comparisons, negates conditions, changes
#      arithmetic; each mutant runs that package's own tests;
#   2. scripts/spendmut over the store's single-use spends (TOTP step,
#      recovery code, reset and invite tokens), whose rules are SQL strings
#      gremlins cannot touch: each condition dropped or weakened, and each
#      atomic spend rewritten as read-then-write, must fail the spend tests.
#
# Prints gremlins' per-mutant lines and summaries, then spendmut's, and the
# elapsed time. Exits non-zero when spendmut finds a surviving mutant, or
# when gremlins' efficacy is below MUTATION_MIN_EFFICACY (unset: report only).
# Needs PostgreSQL as the tests do (CI=true makes a missing one an error).
#
#   MUTATION_PACKAGES   default "internal/auth internal/token"
#   MUTATION_WORKERS    gremlins workers (default 1: the machines have 2 cores)
#   MUTATION_TIMEOUT    gremlins --timeout-coefficient (default 20: a mutant's
#                       compile and link take far longer than a cached test run)
set -euo pipefail
cd "$(dirname "$0")/.."

GREMLINS_VERSION=v0.6.0

if [ "${GOTOOLCHAIN:-local}" = local ]; then export GOTOOLCHAIN=go1.27.3; fi
go version
gover=$(go env GOVERSION)

cache="${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse-mutation"
bin="$cache/gremlins-$GREMLINS_VERSION-$gover"
if [ ! -x "$bin" ]; then
  echo "mutation: installing gremlins $GREMLINS_VERSION with $gover" >&2
  mkdir -p "$cache"
  tmpbin=$(mktemp -d "$cache/tmp.XXXXXX")
  GOBIN="$tmpbin" GOTOOLCHAIN="$gover" go install "github.com/go-gremlins/gremlins/cmd/gremlins@$GREMLINS_VERSION"
  mv "$tmpbin/gremlins" "$bin"
  rmdir "$tmpbin"
fi

start=$(date +%s)
status=0
for pkg in ${MUTATION_PACKAGES:-internal/auth internal/token}; do
  echo "--- gremlins ./$pkg"
  args=(unleash --workers "${MUTATION_WORKERS:-1}" --test-cpu 1 --timeout-coefficient "${MUTATION_TIMEOUT:-20}")
  if [ -n "${MUTATION_MIN_EFFICACY:-}" ]; then args+=(--threshold-efficacy "$MUTATION_MIN_EFFICACY"); fi
  "$bin" "${args[@]}" "./$pkg" || status=$?
done

echo "--- store spend mutants (scripts/spendmut)"
go run ./scripts/spendmut || status=$?

echo "mutation: done in $(( $(date +%s) - start ))s (exit $status)"
exit "$status"
