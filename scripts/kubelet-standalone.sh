#!/usr/bin/env bash
# Runs the kubelet of scripts/kubelet.sh standalone (no API server: static pods from a manifest dir)
# against a CRI endpoint, in the foreground until it is signalled (TERM or INT) or exits, and
# leaves the host as it found it. As root.
#
#   scripts/kubelet-standalone.sh --endpoint unix:///path.sock --dir DIR [--netns PATH] [--name NODE]
#
# DIR holds manifests/ (the static pods, the caller's) and gets what the kubelet is given and
# writes: config.yaml (written here), root/ (--root-dir), logs/ (podLogsDir), volume-plugins/, and
# kubelet.log (appended to, so a restarted kubelet's log follows the first one's). The kubelet runs
# in the network namespace at PATH (/run/netns/NAME, /proc/PID/ns/net) when given, else in this
# one; it listens on 127.0.0.1 only (healthz 20248, server 20250 with anonymous access, no read-only
# port), `failSwapOn: false`, `cgroupsPerQOS: false`, `enforceNodeAllocatable: []`,
# `failCgroupV1: false`, cgroupfs, files checked every 2 s. Its node name is NODE (default
# fake-cri-node), so a static pod `web` is `web-NODE`.
#
# What the kubelet changes outside DIR, and how it is put back, whatever way this script ends:
# - six kernel tunables it sets at start (vm.overcommit_memory, vm.panic_on_oom, kernel.panic,
#   kernel.panic_on_oops, kernel.keys.root_maxkeys, kernel.keys.root_maxbytes): saved before it
#   starts, written back after it stopped; any other sysctl that changed meanwhile is reported.
#   Runs are serialised by a lock (flock on $TMPDIR/fake-cri-kubelet.lock), so one run never saves
#   the values another run's kubelet set.
# - links to its containers' logs in /var/log/containers (a fixed path): removed, and the
#   directory too if the kubelet made it.
# - mounts under DIR (volumes, the root dir's bind mounts): unmounted, deepest first.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
endpoint="" dir="" netns="" node=fake-cri-node
while (($#)); do
  case "$1" in
    --endpoint) endpoint=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --netns) netns=$2; shift 2 ;;
    --name) node=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "kubelet-standalone.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
say() { echo "kubelet-standalone: $*" >&2; }
[[ -n "$endpoint" && -n "$dir" ]] || { say "--endpoint and --dir are required"; exit 2; }
[[ $EUID -eq 0 ]] || { say "must run as root"; exit 1; }
[[ -d "$dir/manifests" ]] || { say "no manifests dir in $dir"; exit 1; }
dir=$(realpath "$dir")
kubelet=$("$here/kubelet.sh")

exec {lock}>"${TMPDIR:-/tmp}/fake-cri-kubelet.lock"
flock -w 600 "$lock" || { say "another kubelet run holds the lock"; exit 1; }

tunables=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
saved_tunables=()
for name in "${tunables[@]}"; do saved_tunables+=("$name=$(sysctl -n "$name")"); done
# Sysctls that change by themselves (counters, entropy, pids) or belong to a network namespace.
sysctl_snapshot() { sysctl -a 2>/dev/null | grep -vE '^(fs\.(dentry-state|file-nr|inode-nr|inode-state|quota)|kernel\.(random|ns_last_pid|pty\.nr|sched_domain)|net\.|fs\.binfmt|user\.)' | sort; }
before=$(sysctl_snapshot)
had_log_links=false
[[ -d /var/log/containers ]] && had_log_links=true

kubelet_pid=""
cleanup() {
  local status=$? setting changed
  trap - EXIT INT TERM
  if [[ -n "$kubelet_pid" ]]; then
    kill -TERM "$kubelet_pid" 2>/dev/null || true
    wait "$kubelet_pid" 2>/dev/null || true
  fi
  for setting in "${saved_tunables[@]}"; do sysctl -qw "$setting"; done
  say "restored ${saved_tunables[*]}"
  changed=$(diff <(echo "$before") <(sysctl_snapshot) | grep -E '^[<>]' | grep -vE "^[<>] ($(IFS='|'; echo "${tunables[*]//./\\.}")) " || true)
  [[ -z "$changed" ]] || { say "other sysctls changed while the kubelet ran:"; echo "$changed" >&2; }
  find /var/log/containers -maxdepth 1 -lname "$dir/logs/*" -delete 2>/dev/null || true
  $had_log_links || rmdir /var/log/containers 2>/dev/null || true
  awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r umount -l
  exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

mkdir -p "$dir/root" "$dir/logs" "$dir/volume-plugins"
cat >"$dir/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: $endpoint
staticPodPath: $dir/manifests
fileCheckFrequency: 2s
podLogsDir: $dir/logs
volumePluginDir: $dir/volume-plugins
address: 127.0.0.1
port: 20250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 20248
failSwapOn: false
failCgroupV1: false
cgroupsPerQOS: false
enforceNodeAllocatable: []
cgroupDriver: cgroupfs
authentication:
  anonymous:
    enabled: true
  webhook:
    enabled: false
authorization:
  mode: AlwaysAllow
EOF

in_netns=()
[[ -z "$netns" ]] || in_netns=(nsenter "--net=$netns")
say "kubelet $kubelet, log $dir/kubelet.log"
"${in_netns[@]}" "$kubelet" --config "$dir/config.yaml" --root-dir "$dir/root" --hostname-override "$node" --v=2 >>"$dir/kubelet.log" 2>&1 &
kubelet_pid=$!
# `wait` returns early when a trapped signal arrives; the trap then stops the kubelet.
set +e
wait "$kubelet_pid"
status=$?
kubelet_pid=""
exit "$status"
