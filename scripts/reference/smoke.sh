#!/usr/bin/env bash
# Drives a CRI endpoint through crictl's everyday commands and checks each answer:
# version, info, runp, pods, inspectp, create, start, ps, inspect, logs, exec -s, stop, rm, stopp, rmp,
# images, pull (when the endpoint can pull), rmi, imagefsinfo; with --oom also an OOM kill.
#
#   scripts/reference/smoke.sh [--oom] [endpoint]     (default endpoint: the reference containerd)
#
# Works against the reference containerd and is meant to work unchanged against fake-cri serve.
# Set CRICTL to use another crictl binary (e.g. the one from scripts/crictl.sh --old-authority).
set -euo pipefail
# Checks grep the whole output (no -q): with pipefail, a crictl still writing when `grep -q` has
# quit dies of SIGPIPE and fails the check.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$here/env.sh"

oom=false
if [[ "${1:-}" == --oom ]]; then oom=true; shift; fi
endpoint="${1:-$ref_endpoint}"
crictl_bin="${CRICTL:-$("$ref_repo_root/scripts/crictl.sh")}"

work=$(mktemp -d)
pod_id=""
cleanup() {
  if [[ -n "$pod_id" ]]; then crictl rmp --force "$pod_id" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

crictl() { "$crictl_bin" --config /dev/null --runtime-endpoint "$endpoint" --image-endpoint "$endpoint" --timeout 30s "$@" 2>>"$work/crictl.stderr"; }
step() { printf '%-28s' "$1" >&2; }
pass() { echo "ok${1:+ ($1)}" >&2; }
fail() { echo "FAILED: $*" >&2; echo "--- crictl stderr:" >&2; tail -5 "$work/crictl.stderr" >&2; exit 1; }
# Field of crictl's JSON output, by a Python expression on `d`.
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# The example configs with their log directory moved into this run's scratch directory.
mkdir -p "$work/logs"
for file in pod container oom-container; do
  sed "s|\"log_directory\": \"[^\"]*\"|\"log_directory\": \"$work/logs\"|" "$here/examples/$file.json" >"$work/$file.json"
done
busybox=docker.io/library/busybox:1.36

step version
version=$(crictl version) || fail "crictl version"
pass "$(echo "$version" | awk '/RuntimeName|RuntimeVersion/ {printf "%s ", $2}')"

step info
crictl info | field 'd["status"]["conditions"][0]["type"]' | grep -x RuntimeReady >/dev/null || fail "info has no RuntimeReady condition"
pass

step pull
can_pull=true
if crictl pull "$busybox" >/dev/null; then pass pulled; else
  can_pull=false
  crictl inspecti "$busybox" >/dev/null || fail "cannot pull $busybox and it is not present"
  pass "no registry; image already present"
fi

step runp
pod_id=$(crictl runp "$work/pod.json") || fail "runp"
pass "${pod_id:0:13}"

step pods
crictl pods --id "$pod_id" -q | grep -x "$pod_id" >/dev/null || fail "pods does not list $pod_id"
pass

step inspectp
[[ "$(crictl inspectp "$pod_id" | field 'd["status"]["state"]')" == SANDBOX_READY ]] || fail "sandbox not ready"
pass SANDBOX_READY

step create
container_id=$(crictl create "$pod_id" "$work/container.json" "$work/pod.json") || fail "create"
pass "${container_id:0:13}"

step start
crictl start "$container_id" >/dev/null || fail "start"
pass

step ps
crictl ps --id "$container_id" --state running -q | grep -x "$container_id" >/dev/null || fail "ps does not list a running $container_id"
pass

step inspect
[[ "$(crictl inspect "$container_id" | field 'd["status"]["state"]')" == CONTAINER_RUNNING ]] || fail "not running"
pass CONTAINER_RUNNING

step logs
for _ in $(seq 1 50); do
  crictl logs "$container_id" 2>&1 | grep "hello from busybox" >/dev/null && break
  sleep 0.1
done
crictl logs "$container_id" 2>&1 | grep "hello from busybox" >/dev/null || fail "logs lack the echo"
pass

step "exec -s"
[[ "$(crictl exec -s "$container_id" echo exec-ok)" == exec-ok ]] || fail "exec -s echo"
pass

step stop
crictl stop --timeout 2 "$container_id" >/dev/null || fail "stop"
state=$(crictl inspect "$container_id" | field 'd["status"]["state"] + " " + str(d["status"]["exitCode"]) + " " + d["status"]["reason"]')
[[ "$state" == CONTAINER_EXITED* ]] || fail "after stop: $state"
pass "$state"

step rm
crictl rm "$container_id" >/dev/null || fail "rm"
pass

if $oom; then
  step "OOM kill"
  oom_id=$(crictl create "$pod_id" "$work/oom-container.json" "$work/pod.json") || fail "create memory hog"
  crictl start "$oom_id" >/dev/null || fail "start memory hog"
  # Looked at only once it has had time to fill its 32 MiB: an inspect in the first tens of
  # milliseconds races the kill, and a trace of the session would then hold either answer.
  sleep 0.5
  for _ in $(seq 1 100); do
    state=$(crictl inspect "$oom_id" | field 'd["status"]["state"] + " " + str(d["status"]["exitCode"]) + " " + d["status"]["reason"]')
    [[ "$state" == CONTAINER_EXITED* ]] && break
    sleep 0.1
  done
  [[ "$state" == "CONTAINER_EXITED 137 OOMKilled" ]] || fail "memory hog ended as: $state"
  crictl rm "$oom_id" >/dev/null || fail "rm memory hog"
  pass "$state"
fi

step stopp
crictl stopp "$pod_id" >/dev/null || fail "stopp"
[[ "$(crictl inspectp "$pod_id" | field 'd["status"]["state"]')" == SANDBOX_NOTREADY ]] || fail "sandbox still ready"
pass SANDBOX_NOTREADY

step rmp
crictl rmp "$pod_id" >/dev/null || fail "rmp"
pod_id=""
pass

step images
crictl images | grep "docker.io/library/busybox" >/dev/null || fail "images lacks busybox"
pass

step rmi
if $can_pull; then
  crictl rmi "$busybox" >/dev/null || fail "rmi"
  # Not `crictl images <ref>`: containerd 1.6 ignores ListImages' filter and lists everything.
  if crictl inspecti "$busybox" >/dev/null; then fail "busybox still present after rmi"; fi
  crictl pull "$busybox" >/dev/null || fail "pull after rmi"
  pass "removed and pulled again"
else
  echo "skipped: the endpoint could not pull it back" >&2
fi

step imagefsinfo
crictl imagefsinfo | field 'd["status"]["imageFilesystems"][0]["usedBytes"]["value"]' >/dev/null || fail "imagefsinfo"
pass

echo "smoke: all steps passed against $endpoint" >&2
