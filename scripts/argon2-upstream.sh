#!/usr/bin/env bash
# internal/argon2 is a modified copy of golang.org/x/crypto/argon2. Its
# UPSTREAM file names the x/crypto version it was taken from and the SHA-256
# of every non-test file of that version's argon2/ directory, each marked
# verbatim (copied unchanged), modified (copied, then changed) or not-copied.
#
# This check compares those hashes with the argon2/ directory of the x/crypto
# version go.mod requires (from the module cache; offline once downloaded) and
# fails when upstream changed a file, added or removed one, or a file marked
# verbatim no longer matches its copy here. A change upstream is often a fix
# the copy needs too: review the diff, port it, then rewrite UPSTREAM with
#
#   scripts/argon2-upstream.sh -update
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${GOTOOLCHAIN:-local}" = local ]; then export GOTOOLCHAIN=go1.27.3; fi

pin=internal/argon2/UPSTREAM
read -r version dir < <(go list -m -f '{{.Version}} {{.Dir}}' golang.org/x/crypto)
if [ -z "$dir" ] || [ ! -d "$dir/argon2" ]; then
  go mod download golang.org/x/crypto
  read -r version dir < <(go list -m -f '{{.Version}} {{.Dir}}' golang.org/x/crypto)
fi
up="$dir/argon2"

# upstream_files: the non-test files of upstream's argon2/, sorted.
upstream_files() { (cd "$up" && ls | grep -v '_test\.go$' | LC_ALL=C sort); }

if [ "${1:-}" = -update ]; then
  {
    echo "# internal/argon2 tracks golang.org/x/crypto/argon2; checked by scripts/argon2-upstream.sh."
    echo "# <sha256 of the upstream file> <file> <verbatim|modified|not-copied>"
    echo "golang.org/x/crypto $version"
    for f in $(upstream_files); do
      mark=not-copied
      if [ -f "internal/argon2/$f" ]; then
        if cmp -s "$up/$f" "internal/argon2/$f"; then mark=verbatim; else mark=modified; fi
      fi
      echo "$(sha256sum <"$up/$f" | cut -d' ' -f1) $f $mark"
    done
  } >"$pin"
  echo "argon2-upstream: $pin rewritten for golang.org/x/crypto $version"
  exit 0
fi

pinned=$(awk '$1 == "golang.org/x/crypto" { print $2 }' "$pin")
problems=()
declare -A seen=()
while read -r sum f mark; do
  seen[$f]=1
  if [ ! -f "$up/$f" ]; then
    problems+=("$f: removed upstream")
    continue
  fi
  if [ "$(sha256sum <"$up/$f" | cut -d' ' -f1)" != "$sum" ]; then
    problems+=("$f ($mark): changed upstream")
  fi
  if [ "$mark" = verbatim ] && ! cmp -s "$up/$f" "internal/argon2/$f"; then
    problems+=("$f: marked verbatim but internal/argon2/$f differs from upstream")
  fi
done < <(grep -E '^[0-9a-f]{64} ' "$pin")
for f in $(upstream_files); do
  [ -n "${seen[$f]:-}" ] || problems+=("$f: new upstream")
done

if [ ${#problems[@]} -gt 0 ]; then
  echo "argon2-upstream: internal/argon2 and golang.org/x/crypto/argon2 no longer match internal/argon2/UPSTREAM" >&2
  echo "  UPSTREAM names $pinned; go.mod requires $version ($up)" >&2
  printf '  - %s\n' "${problems[@]}" >&2
  echo "  Review: diff -ru \$(go env GOMODCACHE)/golang.org/x/crypto@$pinned/argon2 $up" >&2
  echo "  port what applies to internal/argon2 (its tests compare it with x/crypto), then run" >&2
  echo "  scripts/argon2-upstream.sh -update and commit internal/argon2/UPSTREAM." >&2
  exit 1
fi
if [ "$pinned" != "$version" ]; then
  echo "argon2-upstream: warning: UPSTREAM names $pinned, go.mod requires $version; argon2/ is unchanged," \
    "so run scripts/argon2-upstream.sh -update to record the new version" >&2
fi
echo "argon2-upstream: internal/argon2 matches golang.org/x/crypto $version's argon2/ as recorded"
