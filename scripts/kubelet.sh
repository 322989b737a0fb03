#!/usr/bin/env bash
# Builds the kubelet of k8s.io/kubernetes through the Go module proxy into .cache/bin/ and prints the
# binary's path. A binary already there for the same version is reused.
#
#   scripts/kubelet.sh [version]       kubelet -> .cache/bin/kubelet-<version> (default v1.37.2)
#
# k8s.io/kubernetes is not meant to be required as a module: its go.mod points its staging modules
# (k8s.io/api, k8s.io/client-go, ... 33 of them) at ./staging and requires them at v0.0.0. So the
# build happens in a throwaway module, generated here in a temp dir, that requires
# k8s.io/kubernetes at the version and replaces each staging module with its published release of
# the same number (v1.37.2 -> v0.37.2). The list of staging modules is read from that version's own
# go.mod. About 10 minutes on 2 cores with empty Go caches.
#
# Safe to run concurrently: one build at a time per version (a lock beside the binary; a second run
# waits and then reuses the first one's binary), and the binary is renamed into place whole.
# Environment: FAKE_CRI_CACHE (default <repo>/.cache).
set -euo pipefail

default_version=v1.37.2
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin_dir="${FAKE_CRI_CACHE:-$repo_root/.cache}/bin"

case "${1:-}" in
  -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
esac
version="${1:-$default_version}"
[[ "$version" == v* ]] || version="v$version"
[[ "$version" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || { echo "kubelet.sh: not a release version: $version" >&2; exit 1; }
staging_version="v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
target="$bin_dir/kubelet-$version"

# The kubelet prints the version stamped into it (-ldflags below), so a stale file is detected.
cached() { [[ -x "$target" ]] && [[ "$("$target" --version 2>/dev/null)" == "Kubernetes $version" ]]; }

if cached; then
  echo "$target"
  exit 0
fi
command -v go >/dev/null || { echo "kubelet.sh: go is not installed" >&2; exit 1; }
command -v flock >/dev/null || { echo "kubelet.sh: flock (util-linux) is not installed" >&2; exit 1; }
mkdir -p "$bin_dir"

exec {lock}>"$target.lock"
if ! flock -n "$lock"; then
  echo "kubelet.sh: another build of kubelet $version is running; waiting for it" >&2
  flock "$lock"
fi
if cached; then
  echo "$target"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fake-cri-kubelet-XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"

kubernetes_mod=$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
[[ -f "$kubernetes_mod" ]] || { echo "kubelet.sh: cannot download k8s.io/kubernetes@$version" >&2; exit 1; }
mapfile -t staging < <(sed -n 's#^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/src/.*#\1#p' "$kubernetes_mod")
[[ ${#staging[@]} -gt 0 ]] || { echo "kubelet.sh: no staging modules in $kubernetes_mod" >&2; exit 1; }
echo "kubelet.sh: building kubelet $version with ${#staging[@]} staging modules at $staging_version" >&2

go mod init fake-cri.local/kubelet-build >/dev/null 2>&1
go mod edit -go="$(sed -n 's/^go //p' "$kubernetes_mod")" -require="k8s.io/kubernetes@$version"
for module in "${staging[@]}"; do go mod edit -replace="$module=$module@$staging_version"; done

export CGO_ENABLED=0
version_pkg=k8s.io/component-base/version
minor=${version#v1.}
minor=${minor%%.*}
ldflags="-s -w -X $version_pkg.gitVersion=$version -X $version_pkg.gitMajor=1 -X $version_pkg.gitMinor=$minor"
ldflags+=" -X $version_pkg.gitTreeState=clean -X $version_pkg.buildDate=1970-01-01T00:00:00Z"
go build -mod=mod -trimpath -ldflags "$ldflags" -o "$work/kubelet" k8s.io/kubernetes/cmd/kubelet >&2
[[ "$("$work/kubelet" --version)" == "Kubernetes $version" ]] || {
  echo "kubelet.sh: the built kubelet reports $("$work/kubelet" --version), not Kubernetes $version" >&2; exit 1; }

mv -f "$work/kubelet" "$target.tmp.$$"
mv -f "$target.tmp.$$" "$target"
echo "$target"
