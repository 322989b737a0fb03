#!/usr/bin/env bash
# Starts a real containerd (CRI plugin included) as a reference CRI runtime and prints its endpoint
# (unix://...) on stdout; progress goes to stderr. Runs as root. Idempotent: if the instance already
# runs in the same mode and version it just prints the endpoint.
#
#   scripts/reference/start.sh              images imported with `ctr images import`
#   scripts/reference/start.sh --registry   images pushed to a local docker-registry, pulled for real
#   --containerd 1.6|2.4                    which containerd (default 1.6, or $FAKE_CRI_CONTAINERD):
#                                           1.6 is Debian's 1.6.20, 2.4 is v2.4.2 built from the Go
#                                           module proxy by containerd.sh (cached in .cache/)
#   --images-config 'key = value'           2.x only: a line added to the CRI images plugin's table
#                                           (repeatable), for a scenario that needs a setting the
#                                           rest were not recorded with (use_local_image_pull = true)
#
# The instance lives in $FAKE_CRI_REF_DIR (default /tmp/fake-cri-ref): root, state, socket, config,
# log, and its own network namespace in which containerd, its pods' bridge network and the registry
# run. Every registry host resolves to that local registry, so nothing leaves the machine.
# Stop it with scripts/reference/stop.sh.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$here/env.sh"

mode=import
images_config=""
containerd_version="${FAKE_CRI_CONTAINERD:-1.6}"
while (($#)); do
  case "$1" in
    --registry) mode=registry ;;
    --containerd) containerd_version="${2:-}"; shift ;;
    --images-config) images_config+="${2:-}"$'\n'; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) ref_die "unknown argument: $1 (see --help)" ;;
  esac
  shift
done
case "$containerd_version" in
  1.6) containerd_bin_dir=/usr/bin ;;
  2.4) containerd_bin_dir="" ;; # built below, after the packages
  *) ref_die "--containerd takes 1.6 or 2.4, not '$containerd_version'" ;;
esac
[[ -z "$images_config" || "$containerd_version" != 1.6 ]] || ref_die "--images-config is for 2.x's images plugin; 1.6 has none"
# The mode an instance runs in: a different one is restarted.
instance_mode="$mode $containerd_version $(printf %s "$images_config" | tr '\n' ';')"
[[ $EUID -eq 0 ]] || ref_die "must run as root"

crictl=$("$ref_repo_root/scripts/crictl.sh")
crictl_ok() { timeout 10 "$crictl" --config "$ref_crictl_config" version >/dev/null 2>&1; }

if ref_pid_matches "$ref_pidfile" "$ref_config" && crictl_ok; then
  if [[ "$(cat "$ref_dir/mode" 2>/dev/null)" == "$instance_mode" ]]; then
    ref_say "already running ($mode mode, containerd $containerd_version)"
    echo "$ref_endpoint"
    exit 0
  fi
  ref_say "running in another mode or version; restarting"
fi
# Whatever is left of an earlier instance (running, crashed or half-started) goes first.
"$here/stop.sh"

# The images committed with the golden CRI transcripts when present, so every instance serves the
# bytes those were recorded with (and the fake serves too); built here otherwise.
committed_images="$ref_repo_root/golden/cri/images"
build_images=true
[[ -f "$committed_images/pause-3.6.oci.tar" && -f "$committed_images/busybox-1.36.oci.tar" ]] && build_images=false

packages=(runc containernetworking-plugins iproute2 util-linux)
[[ "$containerd_version" == 1.6 ]] && packages+=(containerd)
$build_images && packages+=(busybox-static gcc libc6-dev)
[[ "$mode" == registry ]] && packages+=(docker-registry skopeo)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  ref_say "installing ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

[[ -n "$containerd_bin_dir" ]] || containerd_bin_dir=$("$here/containerd.sh")

if $build_images; then
  archive_list=$("$here/images.sh")
  mapfile -t archives <<<"$archive_list"
else
  archives=("$committed_images/pause-3.6.oci.tar" "$committed_images/busybox-1.36.oci.tar")
fi

mkdir -p "$ref_dir"/{root,state,opt,cni/net.d,cni/ipam,certs.d/_default,pod-logs,golden-logs,cdi} "$ref_runc_root"
chmod 700 "$ref_dir"
# The golden transcripts' host paths live under golden-logs/, a shared mount as / is on a systemd
# node, so that a mount with host-to-container or bidirectional propagation passes containerd's check
# of its source's mount (this machine's / is private). stop.sh unmounts it with the rest.
# The golden transcripts' CDI specs (2.x reads cdi/; 1.6 has no CDI).
cp "$ref_repo_root"/golden/cri/cdi/*.{yaml,json} "$ref_dir/cdi/"
if ! mountpoint -q "$ref_dir/golden-logs"; then
  mount --bind "$ref_dir/golden-logs" "$ref_dir/golden-logs"
  mount --make-shared "$ref_dir/golden-logs"
fi
echo "$instance_mode" >"$ref_dir/mode"

# overlayfs where the kernel and the backing filesystem allow it, else the copying native snapshotter.
snapshotter=native
probe="$ref_dir/overlay-probe"
mkdir -p "$probe"/{lower,upper,work,merged}
if mount -t overlay overlay -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" "$probe/merged" 2>/dev/null; then
  umount "$probe/merged"
  snapshotter=overlayfs
fi
rm -rf "$probe"

# Config version 2 for 1.6 (one CRI plugin), version 3 for 2.x (the CRI split into runtime, images
# and the gRPC server; the sandbox image is a pinned image).
if [[ "$containerd_version" == 1.6 ]]; then
cat >"$ref_config" <<EOF
version = 2
root = "$ref_dir/root"
state = "$ref_dir/state"

[grpc]
  address = "$ref_socket"

[ttrpc]
  address = "$ref_socket.ttrpc"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$ref_dir/opt"

  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "$ref_sandbox_image"
    # runc cannot lower oom_score_adj on this machine.
    restrict_oom_score_adj = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    netns_mounts_under_state_dir = true

    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "$snapshotter"
      default_runtime_name = "runc"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"

        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          Root = "$ref_runc_root"

      # runc again, passing annotations that match these patterns (Go's path.Match: * stops at /)
      # into the OCI spec; the golden CRI scenarios select it with runtime_handler = "passthrough".
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.passthrough]
        runtime_type = "io.containerd.runc.v2"
        pod_annotations = ["golden.pod/*", "golden.exact/key", "golden.class/[ab]?"]
        container_annotations = ["golden.ctr/*", "*"]

        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.passthrough.options]
          Root = "$ref_runc_root"

    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "$ref_dir/cni/net.d"

    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = "$ref_dir/certs.d"
EOF
else
cat >"$ref_config" <<EOF
version = 3
root = "$ref_dir/root"
state = "$ref_dir/state"

[grpc]
  address = "$ref_socket"

[ttrpc]
  address = "$ref_socket.ttrpc"

[plugins]
  [plugins.'io.containerd.internal.v1.opt']
    path = "$ref_dir/opt"

  # NRI is on by default; its socket would be the host-wide /var/run/nri/nri.sock.
  [plugins.'io.containerd.nri.v1.nri']
    socket_path = "$ref_dir/nri/nri.sock"
    plugin_path = "$ref_dir/nri/plugins"
    plugin_config_path = "$ref_dir/nri/conf.d"

  [plugins.'io.containerd.image-verifier.v1.bindir']
    bin_dir = "$ref_dir/image-verifier"

  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"

  [plugins.'io.containerd.cri.v1.images']
    snapshotter = "$snapshotter"
    # Short, so that a pull from the stalling registry gives up within seconds.
    image_pull_progress_timeout = "2s"
$images_config
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = "$ref_sandbox_image"

    [plugins.'io.containerd.cri.v1.images'.registry]
      config_path = "$ref_dir/certs.d"

  [plugins.'io.containerd.cri.v1.runtime']
    # runc cannot lower oom_score_adj on this machine.
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    cdi_spec_dirs = ["$ref_dir/cdi"]

    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = "runc"

      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"

        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          Root = "$ref_runc_root"

      # runc again, passing annotations that match these patterns (Go's path.Match: * stops at /)
      # into the OCI spec; the golden CRI scenarios select it with runtime_handler = "passthrough".
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.passthrough]
        runtime_type = "io.containerd.runc.v2"
        pod_annotations = ["golden.pod/*", "golden.exact/key", "golden.class/[ab]?"]
        container_annotations = ["golden.ctr/*", "*"]

        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.passthrough.options]
          Root = "$ref_runc_root"

    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = ["/usr/lib/cni"]
      conf_dir = "$ref_dir/cni/net.d"
EOF
fi

cat >"$ref_dir/cni/net.d/10-$ref_cni_network.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$ref_cni_network",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "fakecri0",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "10.88.0.0/16" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$ref_dir/cni/ipam"
      }
    }
  ]
}
EOF

# _default applies to every registry host: all pulls go to the local registry (refused unless
# --registry started it), never to the network.
cat >"$ref_dir/certs.d/_default/hosts.toml" <<EOF
server = "http://$ref_registry_address"

[host."http://$ref_registry_address"]
  capabilities = ["pull", "resolve"]
EOF

# The stalling registry's host (stall.registry.test/stall/... and .../slow/...): see stalling-registry.ts.
mkdir -p "$ref_dir/certs.d/$ref_stalling_registry_host"
cat >"$ref_dir/certs.d/$ref_stalling_registry_host/hosts.toml" <<EOF
server = "http://$ref_stalling_registry_address"

[host."http://$ref_stalling_registry_address"]
  capabilities = ["pull", "resolve"]
EOF

cat >"$ref_crictl_config" <<EOF
runtime-endpoint: $ref_endpoint
image-endpoint: $ref_endpoint
timeout: 30
EOF

# crictl inside the instance's network namespace, so streaming calls (exec -it, attach,
# port-forward) reach the stream server on the namespace's 127.0.0.1.
mkdir -p "$ref_dir/bin"
cat >"$ref_dir/bin/crictl" <<EOF
#!/bin/sh
exec nsenter --net=/run/netns/$ref_netns $crictl --config $ref_crictl_config "\$@"
EOF
chmod +x "$ref_dir/bin/crictl"
# The version's own ctr, for this script and stop.sh.
ln -sf "$containerd_bin_dir/ctr" "$ref_dir/bin/ctr"

ip netns add "$ref_netns"
ref_in_netns ip link set lo up

ref_say "starting containerd $containerd_version ($snapshotter snapshotter, network namespace $ref_netns)"
# Not through ref_in_netns: a function would run in a subshell and $! would not be containerd.
# Its own bin dir first on PATH: containerd starts the shim it finds there.
PATH="$containerd_bin_dir:$PATH" nsenter --net="/run/netns/$ref_netns" setsid \
  "$containerd_bin_dir/containerd" --config "$ref_config" >>"$ref_log" 2>&1 </dev/null &
containerd_pid=$!
echo "$containerd_pid" >"$ref_pidfile"

ctr() { "$ref_dir/bin/ctr" --address "$ref_socket" "$@"; }
for _ in $(seq 1 100); do
  ctr version >/dev/null 2>&1 && break
  kill -0 "$containerd_pid" 2>/dev/null || ref_die "containerd exited; see $ref_log"
  sleep 0.1
done
ctr version >/dev/null 2>&1 || ref_die "containerd does not answer on $ref_socket; see $ref_log"

if [[ "$mode" == import ]]; then
  for archive in "${archives[@]}"; do
    ctr -n k8s.io images import --snapshotter "$snapshotter" "$archive" >&2
  done
else
  mkdir -p "$ref_dir/registry"
  cat >"$ref_dir/registry/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $ref_dir/registry/data
http:
  addr: $ref_registry_address
EOF
  nsenter --net="/run/netns/$ref_netns" setsid docker-registry serve "$ref_dir/registry/config.yml" >>"$ref_dir/registry/registry.log" 2>&1 </dev/null &
  echo $! >"$ref_registry_pidfile"
  listens() { ref_in_netns bash -c "exec 3<>/dev/tcp/${1%:*}/${1#*:}" 2>/dev/null; }
  for _ in $(seq 1 100); do
    listens "$ref_registry_address" && break
    sleep 0.1
  done
  # Repository paths as containerd asks for them: the registry host is dropped, docker.io keeps library/.
  # busybox is also tagged `stable`, so that one image can carry two tags.
  # The stalling registry (stalling-registry.ts) in front of it, for image_pull_progress_timeout.
  nsenter --net="/run/netns/$ref_netns" setsid node --import "$ref_repo_root/node_modules/tsx/dist/esm/index.mjs" \
    "$ref_stalling_registry" "$ref_stalling_registry_address" "$ref_registry_address" >>"$ref_dir/registry/stalling-registry.log" 2>&1 </dev/null &
  echo $! >"$ref_stalling_registry_pidfile"
  for archive in "${archives[@]}"; do
    case "$(basename "$archive")" in
      pause-3.6.oci.tar) repositories=(pause:3.6) ;;
      busybox-1.36.oci.tar) repositories=(library/busybox:1.36 library/busybox:stable) ;;
      *) ref_die "no repository for $archive" ;;
    esac
    for repository in "${repositories[@]}"; do
      ref_in_netns skopeo copy --quiet --dest-tls-verify=false "oci-archive:$archive" "docker://$ref_registry_address/$repository" >&2
    done
  done
  # tsx takes a while to start it: a pull before it listens is refused.
  for _ in $(seq 1 100); do
    listens "$ref_stalling_registry_address" && break
    sleep 0.1
  done
  listens "$ref_stalling_registry_address" ||
    ref_die "the stalling registry does not listen on $ref_stalling_registry_address; see $ref_dir/registry/stalling-registry.log"
fi

for _ in $(seq 1 100); do
  crictl_ok && break
  sleep 0.2
done
crictl_ok || ref_die "the CRI service does not answer on $ref_socket; see $ref_log"

ref_say "$("$crictl" --config "$ref_crictl_config" version 2>/dev/null | tr '\n' ' ')"
ref_say "crictl for this instance: $ref_dir/bin/crictl (or $crictl --config $ref_crictl_config)"
echo "$ref_endpoint"
