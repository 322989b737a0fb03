#!/usr/bin/env bash
# Builds containerd 2.x (containerd, containerd-shim-runc-v2, ctr) from the Go module proxy into
# .cache/containerd-<version>/bin/ and prints that directory. A complete build already there is reused.
#
#   scripts/reference/containerd.sh [version]     default v2.4.2
#
# Static (CGO_ENABLED=0: the btrfs snapshotter, the only cgo part, is left out, as in containerd's own
# static builds) and stamped with the release's version string ("v2.4.2", what the release binaries and
# the CRI Version RPC report) instead of go install's "2.4.2+unknown". Built into a temporary directory
# and renamed into place, so concurrent runs are safe. Environment: FAKE_CRI_CACHE (default <repo>/.cache).
set -euo pipefail

default_version=v2.4.2
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache="${FAKE_CRI_CACHE:-$repo_root/.cache}"

case "${1:-}" in
  -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
esac
version="${1:-$default_version}"
[[ "$version" == v* ]] || version="v$version"
target="$cache/containerd-$version"
binaries=(containerd containerd-shim-runc-v2 ctr)

complete() {
  local binary
  for binary in "${binaries[@]}"; do [[ -x "$target/bin/$binary" ]] || return 1; done
  "$target/bin/containerd" --version 2>/dev/null | grep -qF " $version "
}
if complete; then
  echo "$target/bin"
  exit 0
fi

command -v go >/dev/null || { echo "containerd.sh: go is not installed" >&2; exit 1; }
mkdir -p "$cache"
work=$(mktemp -d "$cache/.containerd-$version.XXXXXX")
trap 'rm -rf "$work"' EXIT
module=github.com/containerd/containerd/v2
packages=()
for binary in "${binaries[@]}"; do packages+=("$module/cmd/$binary@$version"); done
echo "containerd.sh: building ${binaries[*]} $version" >&2
CGO_ENABLED=0 GOBIN="$work/bin" go install -trimpath \
  -ldflags "-s -w -X $module/version.Version=$version" "${packages[@]}" >&2

# A directory cannot be replaced atomically while another run may be reading it: the first complete
# build to arrive stays, later ones are dropped.
if ! complete; then
  rm -rf "$target"
  mv -T "$work" "$target" 2>/dev/null || true
fi
complete || { echo "containerd.sh: build of $version did not produce ${binaries[*]}" >&2; exit 1; }
echo "$target/bin"
