#!/usr/bin/env bash
# Stops the reference containerd started by start.sh and removes everything it left: pods and their
# containers, shims, runc containers, mounts, the network namespace, the CNI result cache and the
# instance directory. Idempotent; also cleans up after a crashed or half-started instance.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$here/env.sh"
[[ $EUID -eq 0 ]] || ref_die "must run as root"

if [[ ! -e "$ref_dir" && ! -e "/run/netns/$ref_netns" ]]; then
  exit 0
fi
ref_say "stopping $ref_dir"

# Stops the process whose pid is in $1 if its command line still names $2: SIGTERM, SIGKILL after $3 s.
stop_process() {
  local pidfile=$1 needle=$2 grace=$3 pid
  ref_pid_matches "$pidfile" "$needle" || return 0
  pid=$(<"$pidfile")
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 $((grace * 10))); do
    [[ -d "/proc/$pid" ]] || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

if ref_pid_matches "$ref_pidfile" "$ref_config"; then
  # Through the CRI first, so containerd tears down its pods' networks and mounts itself.
  crictl=$("$ref_repo_root/scripts/crictl.sh")
  timeout 60 "$crictl" --config "$ref_crictl_config" rmp --all --force >/dev/null 2>&1 || true
  # The instance's own ctr (start.sh links the version's), Debian's for an instance started before.
  ctr_binary="$ref_dir/bin/ctr"
  [[ -x "$ctr_binary" ]] || ctr_binary=ctr
  ctr() { timeout 20 "$ctr_binary" --address "$ref_socket" "$@"; }
  for namespace in $(ctr namespaces list --quiet 2>/dev/null); do
    for task in $(ctr -n "$namespace" tasks list --quiet 2>/dev/null); do
      ctr -n "$namespace" tasks kill --all --signal SIGKILL "$task" >/dev/null 2>&1 || true
      ctr -n "$namespace" tasks delete --force "$task" >/dev/null 2>&1 || true
    done
  done
fi
stop_process "$ref_pidfile" "$ref_config" 10
stop_process "$ref_registry_pidfile" "$ref_dir/registry/config.yml" 5
stop_process "$ref_stalling_registry_pidfile" "$ref_stalling_registry" 5

# Shims outlive containerd; ours are the ones told to call back on our socket.
for cmdline in /proc/[0-9]*/cmdline; do
  if { tr '\0' '\n' <"$cmdline"; } 2>/dev/null | grep -qxF -- "$ref_socket"; then
    pid=${cmdline#/proc/}
    kill -KILL "${pid%/cmdline}" 2>/dev/null || true
  fi
done

# Containers whose shim is gone: runc still knows them (one runc root per containerd namespace).
if [[ -d "$ref_runc_root" ]]; then
  for runc_root in "$ref_runc_root"/*/; do
    [[ -d "$runc_root" ]] || continue
    for id in $(runc --root "$runc_root" list --quiet 2>/dev/null); do
      runc --root "$runc_root" delete --force "$id" >/dev/null 2>&1 || true
    done
  done
fi

# Pods that name no cgroup parent get cgroups under /k8s.io (the containerd namespace); runc removed
# each container's own, and rmdir leaves the parent alone while anything else still uses it.
rmdir /sys/fs/cgroup/k8s.io /sys/fs/cgroup/*/k8s.io 2>/dev/null || true

# Deepest mounts first; a lazy unmount if something still holds one.
mounted_under_dir() { awk -v prefix="$ref_dir/" 'index($5, prefix) == 1 { print $5 }' /proc/self/mountinfo | sort -r; }
for mount_point in $(mounted_under_dir); do
  umount "$mount_point" 2>/dev/null || umount -l "$mount_point" 2>/dev/null || true
done
[[ -z "$(mounted_under_dir)" ]] || ref_die "still mounted under $ref_dir: $(mounted_under_dir | tr '\n' ' ')"

if [[ -e "/run/netns/$ref_netns" ]]; then
  ip netns delete "$ref_netns"
fi
rm -f /var/lib/cni/results/"$ref_cni_network"-*
rm -rf --one-file-system "$ref_dir"
ref_say "stopped"
