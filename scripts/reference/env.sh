# shellcheck shell=bash disable=SC2034
# Names and paths of one reference containerd, sourced by start.sh, stop.sh and smoke.sh (hence SC2034 off).
# FAKE_CRI_REF_DIR picks the instance (default /tmp/fake-cri-ref); everything it owns lives in that
# directory, except its network namespace and CNI result cache, which are named after the directory.

ref_repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ref_dir=$(realpath -m "${FAKE_CRI_REF_DIR:-/tmp/fake-cri-ref}")

ref_instance="fake-cri-ref-$(printf '%s' "$ref_dir" | sha256sum | cut -c1-8)"
ref_netns="$ref_instance"
ref_cni_network="$ref_instance"

ref_socket="$ref_dir/containerd.sock"
ref_endpoint="unix://$ref_socket"
ref_config="$ref_dir/config.toml"
ref_crictl_config="$ref_dir/crictl.yaml"
ref_pidfile="$ref_dir/containerd.pid"
ref_registry_pidfile="$ref_dir/registry.pid"
ref_log="$ref_dir/containerd.log"
ref_runc_root="$ref_dir/runc"
# Inside the instance's own network namespace, so the port cannot clash with anything on the host.
ref_registry_address="127.0.0.1:5000"
# The registry that stalls or trickles blobs (stalling-registry.ts), in front of that one.
ref_stalling_registry_address="127.0.0.1:5001"
ref_stalling_registry_host="stall.registry.test"
ref_stalling_registry="$ref_repo_root/scripts/reference/stalling-registry.ts"
ref_stalling_registry_pidfile="$ref_dir/stalling-registry.pid"

ref_sandbox_image="registry.k8s.io/pause:3.6"

ref_say() { echo "reference: $*" >&2; }
ref_die() { echo "reference: $*" >&2; exit 1; }

# True if the pid in $1 is alive and its command line names $2 (guards against reused pids).
ref_pid_matches() {
  local pidfile=$1 needle=$2 pid
  [[ -r "$pidfile" ]] || return 1
  pid=$(<"$pidfile")
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qxF -- "$needle"
}

ref_in_netns() { nsenter --net="/run/netns/$ref_netns" "$@"; }
