#!/usr/bin/env bash
# What CI can check of the container image on machines that cannot pull a
# base image (see docs/ci.md):
#
#   1. the Dockerfile's build stage runs CI's `go build` line (scripts/build.sh),
#      character for character, and its final stage says what
#      deploy/Dockerfile.binary says;
#   2. with podman (Debian's; .ci/run installs it): the final stage is built
#      FROM scratch (nothing to pull) around the binary scripts/build.sh makes,
#      with `--isolation chroot --storage-driver vfs` in a throw-away store, and
#      its configuration inspected: non-root user, /data volume, port, the
#      HEALTHCHECK running `gatehouse healthcheck`;
#   3. when the machine can run containers: `gatehouse --help` runs inside it,
#      then `serve` starts on SQLite in a named volume (no network), writes its
#      database and secret there as the non-root user, and the image's
#      HEALTHCHECK passes.
#
# Without podman, step 1 still runs and the rest is skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "container-check: FAIL: $*" >&2; exit 1; }
say() { echo "container-check: $*"; }

# 1. The build line: the one in scripts/build.sh must appear verbatim in the
#    Dockerfile's RUN line.
line=$(grep -E '^CGO_ENABLED=0 go build ' scripts/build.sh) || fail "no go build line in scripts/build.sh"
[ "$(grep -c 'go build' Dockerfile)" = 1 ] || fail "the Dockerfile should have exactly one go build line"
grep -qxF "RUN $line" Dockerfile ||
  fail "the Dockerfile's go build line differs from scripts/build.sh's:
  build.sh:   $line
  Dockerfile: $(grep 'go build' Dockerfile)"
final() { sed -n '/^# --- final stage/,$p' "$1" | grep -v '^# --- final stage'; }
diff <(final Dockerfile) <(final deploy/Dockerfile.binary) >/dev/null ||
  fail "the final stages of Dockerfile and deploy/Dockerfile.binary differ:
$(diff <(final Dockerfile) <(final deploy/Dockerfile.binary))"
say "Dockerfile builds with CI's line: $line"

if ! command -v podman >/dev/null 2>&1; then
  say "podman is not installed; image build skipped (apt-get install podman runc)"
  exit 0
fi

# 2. Build the final stage in a private store under a temporary directory.
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
[ "$GOTOOLCHAIN" = local ] && export GOTOOLCHAIN=go1.27.3
work=$(mktemp -d)
pod=(podman --root "$work/root" --runroot "$work/run" --storage-driver vfs --cgroup-manager cgroupfs)
# crun refuses hybrid cgroup hierarchies (these VMs have one); runc runs there.
if command -v runc >/dev/null 2>&1; then pod+=(--runtime runc); fi
cleanup() {
  "${pod[@]}" rm -f -t 0 gh-check >/dev/null 2>&1 || true
  "${pod[@]}" volume rm -f gh-check-data >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/ctx/data"
scripts/build.sh "$work/ctx/gatehouse"
image=localhost/gatehouse:check
# --format docker keeps HEALTHCHECK (the OCI image format has no field for it).
"${pod[@]}" build --quiet --isolation chroot --format docker --build-arg BASE=scratch \
  -f deploy/Dockerfile.binary -t "$image" "$work/ctx" >/dev/null || fail "podman build failed"

got=$("${pod[@]}" image inspect "$image" --format \
  'user={{.Config.User}} volumes={{range $k, $v := .Config.Volumes}}{{$k}} {{end}}ports={{range $k, $v := .Config.ExposedPorts}}{{$k}} {{end}}entrypoint={{json .Config.Entrypoint}} health={{json .HealthCheck.Test}} env={{json .Config.Env}}')
say "image: $got"
want() { case "$got" in *"$1"*) ;; *) fail "image config lacks $1";; esac; }
want 'user=65532:65532'
want 'volumes=/data '
want 'ports=8055/tcp '
want 'entrypoint=["/gatehouse"]'
want 'health=["CMD","/gatehouse","healthcheck"]'
want '"DATA_DIR=/data"'

# 3. Run it. Podman raises the container's open-file and process limits by
#    default, which needs CAP_SYS_RESOURCE; ask for modest ones instead. No
#    network: nothing inside needs one, and the check must not reach out.
run=(--network none --ulimit nofile=4096:4096 --ulimit nproc=4096:4096)
set +e
help=$("${pod[@]}" run --rm --no-healthcheck "${run[@]}" "$image" --help 2>&1)
rc=$?
set -e
case $rc in
  0) say "gatehouse --help runs in the image" ;;
  125 | 126)
    # Podman or the OCI runtime could not start a container here: not the image's fault.
    say "cannot run containers on this machine (podman exit $rc), run step skipped: $(echo "$help" | tail -1)"
    exit 0 ;;
  *) fail "gatehouse --help exited $rc inside the image: $help" ;;
esac
# --version arrives with the CLI; show it when there.
if version=$("${pod[@]}" run --rm --no-healthcheck "${run[@]}" "$image" --version 2>/dev/null); then
  say "version: $version"
fi

"${pod[@]}" volume create gh-check-data >/dev/null
# --health-interval disable: no systemd timer (there is no systemd); the
# check is run by hand below. ADMIN_PASSWORD keeps the generated one out of the CI log.
"${pod[@]}" run -d --name gh-check --health-interval disable "${run[@]}" -v gh-check-data:/data \
  -e ADMIN_PASSWORD=container-check-password -e LOG_HTTP=false "$image" >/dev/null 2>&1 ||
  fail "gatehouse serve did not start in the image"
for _ in $(seq 1 60); do
  "${pod[@]}" logs gh-check 2>&1 | grep -q 'gatehouse is listening' && break
  [ "$("${pod[@]}" inspect gh-check --format '{{.State.Running}}')" = true ] ||
    fail "gatehouse serve exited in the image: $("${pod[@]}" logs gh-check 2>&1 | tail -5)"
  sleep 0.5
done
"${pod[@]}" logs gh-check 2>&1 | grep -q 'gatehouse is listening' ||
  fail "gatehouse serve did not listen within 30 s: $("${pod[@]}" logs gh-check 2>&1 | tail -5)"
data=$("${pod[@]}" volume inspect gh-check-data --format '{{.Mountpoint}}')
for f in secret gatehouse.db; do
  [ -f "$data/$f" ] || fail "serve wrote no $f into the /data volume: $(ls -la "$data")"
  [ "$(stat -c %u "$data/$f")" = 65532 ] || fail "/data/$f is not owned by the image's user 65532"
done
say "serve runs as 65532 and keeps its database and secret in the /data volume"
if echo "$help" | grep -qw healthcheck; then
  # Exit 0 is healthy (podman 4.3 prints nothing then).
  "${pod[@]}" healthcheck run gh-check >/dev/null 2>&1 ||
    fail "the image's HEALTHCHECK (gatehouse healthcheck) reports unhealthy on a running server"
  say "HEALTHCHECK passes on the running server"
else
  say "this binary has no healthcheck command yet; HEALTHCHECK run skipped"
fi
