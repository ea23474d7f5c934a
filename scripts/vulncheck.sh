#!/usr/bin/env bash
# govulncheck with no network but the Go module proxy (vuln.go.dev is not
# reachable from the build machines). See docs/ci.md.
#
#   1. installs govulncheck $GOVULNCHECK_VERSION into a cache dir (GOBIN);
#   2. downloads golang.org/x/vulndb@$VULNDB_VERSION through the module proxy
#      and builds a v1-layout database from its data/osv/*.json
#      (tools/vulndb, in the tools module), cached per version;
#   3. runs `govulncheck -db file://DB -format json ./...` and fails (exit 3,
#      as govulncheck does) on any vulnerability the code calls; 0
#      otherwise; other codes are errors. Nothing is allow-listed.
#
# With arguments, runs plain `govulncheck -db file://DB ARGS ./...` instead
# (e.g. -show verbose for full traces) and exits with its status, unfiltered.
# Bump VULNDB_VERSION to pick up new advisories:
#   (cd /tmp && go list -m golang.org/x/vulndb@latest)
set -euo pipefail
cd "$(dirname "$0")/.."

GOVULNCHECK_VERSION=v1.9.0
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018

cache="${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse-vulndb"
db="$cache/db-$VULNDB_VERSION"
mkdir -p "$cache/bin"

# The toolchain: go.mod's `toolchain` line names the Go release this
# project builds, tests and is scanned with. The machines' go.env says
# GOTOOLCHAIN=local, which ignores that line; unless the caller chose a
# toolchain, let go.mod's line win so the scan sees the same standard
# library as the builds: go1.27.3, fetched once here before any parallel build.
if [ "${GOTOOLCHAIN:-local}" = local ]; then export GOTOOLCHAIN=go1.27.3; fi
go version >/dev/null
gover=$(go env GOVERSION)

# 1. govulncheck, built once per govulncheck and Go version. It must be
#    built by the toolchain it scans with: a govulncheck built by go1.26
#    cannot type-check files that say //go:build go1.27 ("file requires
#    newer Go version"). `go install m@v` would pick its toolchain from
#    m's go.mod, so name the repo's toolchain explicitly.
bin="$cache/bin/govulncheck-$GOVULNCHECK_VERSION-$gover"
if [ ! -x "$bin" ]; then
  echo "vulncheck: installing govulncheck $GOVULNCHECK_VERSION with $gover" >&2
  tmpbin=$(mktemp -d "$cache/bin/tmp.XXXXXX")
  GOBIN="$tmpbin" GOTOOLCHAIN="$gover" go install "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION"
  mv "$tmpbin/govulncheck" "$bin"
  rmdir "$tmpbin"
fi

# 2. The database, built once per vulndb version. `go mod download` runs
#    outside the repo so it cannot touch go.mod/go.sum; the proxy and the
#    checksum database verify the module as for any other.
if [ ! -f "$db/index/modules.json" ]; then
  echo "vulncheck: building the vulnerability database from golang.org/x/vulndb@$VULNDB_VERSION" >&2
  src=$(cd "$cache" && GO111MODULE=on GOFLAGS= go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  if [ -z "$src" ] || [ ! -d "$src/data/osv" ]; then
    echo "vulncheck: could not download golang.org/x/vulndb@$VULNDB_VERSION" >&2
    exit 2
  fi
  (cd tools && go run ./vulndb -src "$src" -version "$VULNDB_VERSION" -out "$db")
fi

# 3. Scan.
#
# No advisory is allowed: the toolchain is go1.27.3 (go.mod), which fixes
# every standard-library advisory go1.26.8 had.

echo "vulncheck: govulncheck $GOVULNCHECK_VERSION, $gover, vulndb $VULNDB_VERSION" >&2
if [ $# -gt 0 ]; then
  # For a person: govulncheck's own report (e.g. -show verbose), unfiltered.
  status=0
  "$bin" -db "file://$db" "$@" ./... || status=$?
  exit "$status"
fi
filter=$(mktemp -d)
trap 'rm -rf "$filter"' EXIT
(cd tools && go build -o "$filter/vulndb" ./vulndb)
status=0
"$bin" -db "file://$db" -format json ./... >"$filter/out.json" || status=$?
# With -format json govulncheck exits 0 whatever it finds, non-zero on errors.
if [ "$status" -ne 0 ]; then
  echo "vulncheck: govulncheck failed (exit $status)" >&2
  exit "$status"
fi
"$filter/vulndb" filter <"$filter/out.json"
