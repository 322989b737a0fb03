#!/usr/bin/env bash
# Records golden/go/<group>.json from containerd v1.6.20's Go code: the version the CRI facade
# mimics (the reference runtime). Works like ../recorder/record.sh (which pins v1.5.7 for the
# helpers): copies the pinned containerd out of the module cache, drops the shared
# ../recorder/record_common_test.go and the requested record_<group>_test.go files into its
# pkg/cri/server, and runs them there with containerd's own go.mod.
#
#   record.sh                 every group of this directory
#   record.sh criconfig ...   only the named groups
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(cd "$here/.." && pwd)"
cd "$here"

# shellcheck source=../copy-containerd.sh
source "$here/../copy-containerd.sh"
cp "$here/../recorder/record_common_test.go" "$work/containerd/pkg/cri/server/"
# The log writer's loop is unexported and runs in a goroutine of its own; this exports it (recorder
# builds only) so a panic in it can be caught and recorded.
cp "$here/crilogger_export.go.txt" "$work/containerd/pkg/cri/io/recorder_export.go"
if [[ $# -eq 0 ]]; then
  cp "$here"/record_*_test.go "$work/containerd/pkg/cri/server/"
else
  for group in "$@"; do cp "$here/record_${group}_test.go" "$work/containerd/pkg/cri/server/"; done
fi

cd "$work/containerd"
status=0
go test -mod=mod -tags recorder -count=1 -run '^TestRecord' -v ./pkg/cri/server \
  -args -golden-dir "$out" -containerd-version "$version" > "$work/log" 2>&1 || status=$?
grep -vE '^=== (PAUSE|CONT)' "$work/log"
exit "$status"
