#!/usr/bin/env bash
# Builds crictl (or critest) from sigs.k8s.io/cri-tools through the Go module proxy into .cache/bin/
# and prints the binary's path. A binary already there for the same version is reused.
#
#   scripts/crictl.sh [version]                  crictl            -> .cache/bin/crictl-<version>
#   scripts/crictl.sh --critest [version]        critest           -> .cache/bin/critest-<version>
#   scripts/crictl.sh --old-authority [version]  crictl that sends the socket path as the HTTP/2
#                                                :authority, as crictl <= 1.26 and kubelets < 1.26 did
#                                                -> .cache/bin/crictl-old-authority-<version>
#   scripts/crictl.sh --ginkgo [version]         the Ginkgo CLI at the version critest <version> is built
#                                                with, which `critest --parallel N` runs from PATH
#                                                -> .cache/bin/ginkgo-for-critest-<version>/ginkgo
#
# The proxy serves only recent cri-tools releases (v1.34.0, v1.37.0), so a real crictl 1.26 cannot be
# built here; --old-authority rebuilds the pinned crictl with its CRI client dialing the way the old
# grpc-go did (target = bare socket path, so :authority = that path) instead of "localhost".
# Environment: FAKE_CRI_CACHE (default <repo>/.cache).
set -euo pipefail

default_version=v1.37.0
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin_dir="${FAKE_CRI_CACHE:-$repo_root/.cache}/bin"

kind=crictl
case "${1:-}" in
  --critest) kind=critest; shift ;;
  --old-authority) kind=crictl-old-authority; shift ;;
  --ginkgo) kind=ginkgo; shift ;;
  -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
esac
version="${1:-$default_version}"
[[ "$version" == v* ]] || version="v$version"

target="$bin_dir/$kind-$version"
stamp="$version"
[[ "$kind" == crictl-old-authority ]] && stamp="$version+old-authority"
# Named ginkgo in a directory of its own, for PATH; its version follows from cri-tools' go.mod.
[[ "$kind" == ginkgo ]] && target="$bin_dir/ginkgo-for-critest-$version/ginkgo"

# crictl and critest print the version we stamp into them with -ldflags, so a stale file is detected.
if [[ "$kind" == ginkgo && -x "$target" ]] || { [[ -x "$target" ]] && "$target" --version 2>/dev/null | grep -oE 'v[0-9][^ ]*' | grep -qxF "$stamp"; }; then
  echo "$target"
  exit 0
fi

command -v go >/dev/null || { echo "crictl.sh: go is not installed (it builds $kind from the Go module proxy)" >&2; exit 1; }
echo "crictl.sh: building $kind $version with Go into $target (minutes when Go's caches are cold)" >&2
mkdir -p "$bin_dir"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
ldflags="-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$stamp"
export CGO_ENABLED=0

# Copies a module version out of the module cache into $work/<name> as a writable tree.
module_source() {
  local module=$1 module_version=$2 name=$3 dir
  dir=$(go mod download -json "$module@$module_version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n "$dir" && -d "$dir" ]] || { echo "crictl.sh: cannot download $module@$module_version" >&2; exit 1; }
  cp -r "$dir" "$work/$name"
  chmod -R u+w "$work/$name"
}

case "$kind" in
  crictl)
    GOBIN="$work" go install -trimpath -ldflags "$ldflags" "sigs.k8s.io/cri-tools/cmd/crictl@$version" >&2
    mv "$work/crictl" "$work/out"
    ;;
  critest)
    # critest is the Ginkgo test binary of cmd/critest; `go test -c` needs the module as main module.
    module_source sigs.k8s.io/cri-tools "$version" cri-tools
    (cd "$work/cri-tools" && go test -mod=mod -c -trimpath -ldflags "$ldflags" -o "$work/out" ./cmd/critest >&2)
    ;;
  ginkgo)
    module_source sigs.k8s.io/cri-tools "$version" cri-tools
    ginkgo_version=$(cd "$work/cri-tools" && go list -mod=mod -m -f '{{.Version}}' github.com/onsi/ginkgo/v2)
    GOBIN="$work" go install -trimpath "github.com/onsi/ginkgo/v2/ginkgo@$ginkgo_version" >&2
    mv "$work/ginkgo" "$work/out"
    mkdir -p "$(dirname "$target")"
    ;;
  crictl-old-authority)
    module_source sigs.k8s.io/cri-tools "$version" cri-tools
    client_version=$(cd "$work/cri-tools" && go list -mod=mod -m -f '{{.Version}}' k8s.io/cri-client)
    module_source k8s.io/cri-client "$client_version" cri-client
    for file in "$work/cri-client/pkg/remote_runtime.go" "$work/cri-client/pkg/remote_image.go"; do
      grep -qF 'grpc.WithAuthority("localhost")' "$file" || {
        echo "crictl.sh: $file no longer sets a localhost authority; revisit --old-authority" >&2; exit 1; }
      sed -i 's/grpc\.WithAuthority("localhost")/grpc.WithAuthority(addr)/' "$file"
    done
    (cd "$work/cri-tools" && go mod edit -replace k8s.io/cri-client=../cri-client \
      && go build -mod=mod -trimpath -ldflags "$ldflags" -o "$work/out" ./cmd/crictl >&2)
    ;;
esac

# Rename into place so a concurrent run never sees a half-written binary.
mv -f "$work/out" "$target.tmp.$$"
mv -f "$target.tmp.$$" "$target"
echo "crictl.sh: built $target" >&2
echo "$target"
