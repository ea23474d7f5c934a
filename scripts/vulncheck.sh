#!/usr/bin/env bash
# govulncheck with no network but the Go module proxy (vuln.go.dev is not
# reachable from the build machines). See docs/ci.md.
#
#   1. installs govulncheck $GOVULNCHECK_VERSION into a cache dir (GOBIN);
#   2. downloads golang.org/x/vulndb@$VULNDB_VERSION through the module proxy
#      and builds a v1-layout database from its data/osv/*.json
#      (scripts/vulndb), cached per version;
#   3. runs `govulncheck -db file://DB -format json ./...` and fails (exit 3,
#      as govulncheck does) on any vulnerability the code calls, except the
#      standard-library advisories allowed below for go1.26.8; 0 otherwise;
#      other codes are errors.
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
# library as the builds. (go.mod has no toolchain line today, so this picks
# the machines' go1.26.8; adopting one also needs GOTOOLCHAIN=auto exported
# in .ci/run: docs/ci.md.)
if [ "${GOTOOLCHAIN:-local}" = local ]; then export GOTOOLCHAIN=auto; fi
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
  go run ./scripts/vulndb -src "$src" -version "$VULNDB_VERSION" -out "$db"
fi

# 3. Scan.
#
# Toolchain decision (docs/ci.md): the project stays on the machines'
# go1.26.8. go1.27.3, the only newer release the module proxy serves here,
# fixes everything below, but its cmd/go failed every cold-cache parallel
# `go build ./...` we tried ("could not import math (open : no such file or
# directory)"); only warm caches or -p 1 passed. So go.mod has no
# `toolchain` line, and these standard-library advisories, all fixed only in
# releases not served here (go1.26.9, go1.26.10, go1.27.2, go1.27.3), are
# allowed while the toolchain is exactly go1.26.8. On any other Go version
# the list is not applied, so a toolchain change forces a fresh look.
#   net/http:      GO-2026-6603 GO-2026-6605 GO-2026-6610 GO-2026-6611
#                  GO-2026-6612 GO-2026-6613 GO-2026-6617
#   net/textproto: GO-2026-6608    crypto/tls: GO-2026-6607
#   crypto/x509:   GO-2026-6809    html/template: GO-2026-6599 GO-2026-6600
#   os:            GO-2026-6604 (Root.Mkdir follows junctions on Windows only;
#                  reachable, by the call graph, since fasthttp's client brought
#                  an os.Root-backed fs.FS into the program: migrate's fs.FS calls
#                  could dispatch to it)
# Only findings in module "stdlib" are ever dropped; anything else fails.
allow_go=go1.26.8
allow=(GO-2026-6603 GO-2026-6605 GO-2026-6610 GO-2026-6611 GO-2026-6612 GO-2026-6613 GO-2026-6617
  GO-2026-6608 GO-2026-6607 GO-2026-6809 GO-2026-6599 GO-2026-6600 GO-2026-6604)
[ "$gover" = "$allow_go" ] || allow=()

echo "vulncheck: govulncheck $GOVULNCHECK_VERSION, $gover, vulndb $VULNDB_VERSION" >&2
if [ $# -gt 0 ]; then
  # For a person: govulncheck's own report (e.g. -show verbose), unfiltered.
  status=0
  "$bin" -db "file://$db" "$@" ./... || status=$?
  exit "$status"
fi
filter=$(mktemp -d)
trap 'rm -rf "$filter"' EXIT
go build -o "$filter/vulndb" ./scripts/vulndb
status=0
"$bin" -db "file://$db" -format json ./... >"$filter/out.json" || status=$?
# With -format json govulncheck exits 0 whatever it finds, non-zero on errors.
if [ "$status" -ne 0 ]; then
  echo "vulncheck: govulncheck failed (exit $status)" >&2
  exit "$status"
fi
"$filter/vulndb" filter "${allow[@]}" <"$filter/out.json"
