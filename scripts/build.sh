#!/usr/bin/env bash
# The release build of cmd/gatehouse, as CI and the Dockerfile make it: a
# static binary (CGO_ENABLED=0; SQLite is pure Go), paths trimmed, symbols
# stripped, version and commit stamped.
#
#   scripts/build.sh [OUT]          default ./gatehouse
#   VERSION=v1.2.3 COMMIT=abc scripts/build.sh /tmp/gh
#
# The Dockerfile's build stage runs the same `go build` line, character for
# character; scripts/container-check.sh (run by .ci/run) fails when they differ.
set -euo pipefail
cd "$(dirname "$0")/.."
# go.mod's toolchain line wins over the machines' GOTOOLCHAIN=local.
if [ "${GOTOOLCHAIN:-local}" = local ]; then export GOTOOLCHAIN=go1.27.3; fi

OUT="${1:-./gatehouse}"
VERSION="${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
COMMIT="${COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}"
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o "${OUT}" ./cmd/gatehouse
