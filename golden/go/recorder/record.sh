#!/usr/bin/env bash
# Records golden/go/*.json from containerd v1.5.7's own Go code.
#
# The recorder is a set of *_test.go files in package `server`. Go does not let a program call
# another package's unexported functions, and the helpers we port (makeSandboxName, localResolve,
# generateRuntimeOptions ...) are unexported, so this script copies the pinned containerd module out
# of the module cache into a temp dir, drops the recorder files into its pkg/cri/server, and runs
# them there with containerd's own go.mod (so every dependency is the version containerd shipped).
# go:linkname would avoid the copy but cannot reach methods on criService, and is fragile across
# Go releases.
#
#   record.sh                  write every golden/go/<group>.json
#   record.sh reference path   only the named groups (record_<group>_test.go)
#   record.sh --bench [regex]  run the Go benchmarks that bench/ compares against instead
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(cd "$here/.." && pwd)"
cd "$here"

# shellcheck source=../copy-containerd.sh
source "$here/../copy-containerd.sh"
# Only the requested groups are compiled in, so one group's unfinished recorder cannot block another.
bench=""
if [[ "${1:-}" == "--bench" ]]; then bench="${2:-.}"; set --; fi
if [[ $# -eq 0 ]]; then
  cp "$here"/*_test.go "$work/containerd/pkg/cri/server/"
else
  cp "$here/record_common_test.go" "$work/containerd/pkg/cri/server/"
  for group in "$@"; do cp "$here/record_${group}_test.go" "$work/containerd/pkg/cri/server/"; done
fi

cd "$work/containerd"
if [[ -n "$bench" ]]; then
  go test -mod=mod -tags recorder -count=1 -run '^$' -bench "$bench" -benchmem ./pkg/cri/server \
    -args -golden-dir "$out"
else
  status=0
  go test -mod=mod -tags recorder -count=1 -run '^TestRecord' -v ./pkg/cri/server \
    -args -golden-dir "$out" -containerd-version "$version" > "$work/log" 2>&1 || status=$?
  grep -vE '^=== (PAUSE|CONT)' "$work/log"
  exit "$status"
fi
