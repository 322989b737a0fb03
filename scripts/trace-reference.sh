#!/usr/bin/env bash
# Records CRI traces of the reference containerd (scripts/reference) through `fake-cri record`, then
# replays each against the fake set up as the reference runtime and against a fresh reference
# containerd (containerd against its own recording: what differs there depends on timing, or is a
# value the normalisation does not cover). As root; not part of CI.
#
#   sudo scripts/trace-reference.sh [crictl] [kubelet]        (default: both)
#
# crictl   crictl's everyday session, scripts/reference/smoke.sh --oom, through the proxy.
# kubelet  the kubelet of scripts/kubelet.sh (v1.37.2) run by scripts/kubelet-standalone.sh (no
#          API server, its dirs under a temp dir, loopback ports; the host's kernel tunables and
#          log links it changes are put back when it stops) with two static pods, for
#          KUBELET_SECONDS (default 180), inside the instance's network namespace.
#
# Out (FAKE_CRI_TRACE_DIR, default /tmp/fake-cri-traces): <session>.json (the trace),
# <session>.fake.txt and <session>.containerd.txt (the replays' reports), kubelet.log, and the
# instance's containerd-config.toml (to replay again: tsx scripts/reference-trace.ts replay
# <session>.json --config containerd-config.toml).
# The instance: FAKE_CRI_REF_DIR (default /tmp/fake-cri-trace-ref), stopped at the end; containerd
# 1.6.20 unless FAKE_CRI_CONTAINERD=2.4 (scripts/reference/start.sh). The fake replays a trace
# answering as the containerd version its Version answer names.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
export FAKE_CRI_REF_DIR="${FAKE_CRI_REF_DIR:-/tmp/fake-cri-trace-ref}"
# shellcheck source-path=SCRIPTDIR source=reference/env.sh
source "$here/reference/env.sh"
out="${FAKE_CRI_TRACE_DIR:-/tmp/fake-cri-traces}"
kubelet_seconds="${KUBELET_SECONDS:-180}"
sessions=("$@")
((${#sessions[@]})) || sessions=(crictl kubelet)
for session in "${sessions[@]}"; do
  [[ "$session" == crictl || "$session" == kubelet ]] || ref_die "unknown session $session (crictl, kubelet)"
done
[[ $EUID -eq 0 ]] || ref_die "trace-reference.sh must run as root"

say() { echo "trace-reference: $*" >&2; }
tsx() { "$repo/node_modules/.bin/tsx" "$@"; }
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/fake-cri-trace-XXXXXX")

pids=()
cleanup() {
  local status=$? pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$here/reference/stop.sh" || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

record_pid=""
proxy=""
# Starts `fake-cri record` in front of the instance; sets proxy (its endpoint) and record_pid.
start_recording() {
  local name=$1
  node "$repo/bin/fake-cri.js" record --upstream "$ref_endpoint" --listen "unix://$work/$name.sock" --out "$out/$name.json" \
    >"$work/$name.record.out" 2>"$work/$name.record.err" &
  record_pid=$!
  pids+=("$record_pid")
  for _ in $(seq 1 100); do [[ -s "$work/$name.record.out" ]] && break; sleep 0.1; done
  proxy=$(head -1 "$work/$name.record.out")
  [[ -n "$proxy" ]] || ref_die "fake-cri record did not start: $(cat "$work/$name.record.err")"
}
stop_recording() {
  local name=$1
  kill -TERM "$record_pid"
  wait "$record_pid"
  cat "$work/$name.record.err" >&2
}

record_crictl() {
  tsx "$here/reference-trace.ts" reset "$ref_endpoint"
  start_recording crictl
  "$here/reference/smoke.sh" --oom "$proxy"
  stop_recording crictl
}

write_kubelet_manifests() {
  local dir=$1
  mkdir -p "$dir/manifests"
  # web: a server that runs on, probed by ExecSync; batch: a container that exits 3 after 20 s
  # and is restarted with the kubelet's back-off (what the replay must reproduce in time).
  cat >"$dir/manifests/web.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: default
  labels:
    app: web
spec:
  containers:
    - name: server
      image: docker.io/library/busybox:1.36
      command: ["sh", "-c", "echo serving; touch /tmp/ready; exec sleep 3600"]
      readinessProbe:
        exec:
          command: ["cat", "/tmp/ready"]
        periodSeconds: 5
EOF
  cat >"$dir/manifests/batch.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: batch
  namespace: default
spec:
  restartPolicy: Always
  containers:
    - name: job
      image: docker.io/library/busybox:1.36
      command: ["sh", "-c", "echo working; sleep 20; echo failed >&2; exit 3"]
EOF
}

record_kubelet() {
  local dir="$work/kubelet" kubelet_pid
  tsx "$here/reference-trace.ts" reset "$ref_endpoint"
  start_recording kubelet
  write_kubelet_manifests "$dir"
  say "kubelet for $kubelet_seconds s; its log: $out/kubelet.log"
  "$here/kubelet-standalone.sh" --endpoint "$proxy" --dir "$dir" --netns "/run/netns/$ref_netns" --name trace-node &
  kubelet_pid=$!
  pids+=("$kubelet_pid")
  sleep "$kubelet_seconds"
  kill -TERM "$kubelet_pid"
  wait "$kubelet_pid" || true
  cp "$dir/kubelet.log" "$out/kubelet.log"
  stop_recording kubelet
}

replay() {
  local name=$1
  say "replaying $name.json against the fake set up as the reference runtime"
  tsx "$here/reference-trace.ts" replay "$out/$name.json" --config "$out/containerd-config.toml" >"$out/$name.fake.txt" || true
  tail -5 "$out/$name.fake.txt" >&2
  say "replaying $name.json against a fresh reference containerd"
  "$here/reference/stop.sh"
  "$here/reference/start.sh" --registry >/dev/null
  tsx "$here/reference-trace.ts" replay "$out/$name.json" --endpoint "$ref_endpoint" >"$out/$name.containerd.txt" || true
  tail -5 "$out/$name.containerd.txt" >&2
}

"$here/reference/start.sh" --registry >/dev/null
# The fake replays with the instance's own config (its dirs show in verbose answers).
cp "$ref_config" "$out/containerd-config.toml"
for session in "${sessions[@]}"; do "record_$session"; done
for session in "${sessions[@]}"; do replay "$session"; done
say "traces and reports in $out"
