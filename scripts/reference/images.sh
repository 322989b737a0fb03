#!/usr/bin/env bash
# Builds the reference runtime's two images as OCI image archives (oci-layout + index.json + blobs),
# written with tar, gzip and sha256sum only, and prints their paths:
#   registry.k8s.io/pause:3.6        a static pause built from pause.c (needs gcc and libc6-dev)
#   docker.io/library/busybox:1.36   Debian's busybox-static with its applets linked into /bin
# Tars are built with fixed owners, order and times, so the same inputs give the same digests.
# Output dir: $FAKE_CRI_CACHE/reference/images (default <repo>/.cache/reference/images).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$here/../.." && pwd)
out_dir="${FAKE_CRI_CACHE:-$repo_root/.cache}/reference/images"
arch=$(dpkg --print-architecture)
created="2024-01-01T00:00:00Z"
path_env="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
size_of() { stat -c %s "$1"; }

# Moves a file into the layout's blob store under its digest and prints "<digest> <size>".
add_blob() {
  local layout=$1 file=$2 digest size
  digest=$(sha256_of "$file")
  size=$(size_of "$file")
  mv "$file" "$layout/blobs/sha256/$digest"
  echo "$digest $size"
}

# oci_archive NAME TAG ROOTFS_DIR CONFIG_JSON_FRAGMENT OUT_TAR
# CONFIG_JSON_FRAGMENT is the body of the image config's "config" object.
oci_archive() {
  local name=$1 tag=$2 rootfs=$3 runtime_config=$4 out=$5
  local layout="$work/layout-$tag-$RANDOM" layer_tar="$work/layer.tar"
  local diff_id layer_digest layer_size config config_digest config_size manifest manifest_digest manifest_size
  mkdir -p "$layout/blobs/sha256"

  tar -C "$rootfs" --sort=name --mtime="@0" --owner=0 --group=0 --numeric-owner \
    --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -cf "$layer_tar" .
  diff_id=$(sha256_of "$layer_tar")
  gzip -n -9 "$layer_tar"
  read -r layer_digest layer_size < <(add_blob "$layout" "$layer_tar.gz")

  config="$work/config.json"
  printf '{"architecture":"%s","os":"linux","created":"%s","config":{%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"%s","created_by":"fake-cri scripts/reference/images.sh"}]}' \
    "$arch" "$created" "$runtime_config" "$diff_id" "$created" >"$config"
  read -r config_digest config_size < <(add_blob "$layout" "$config")

  manifest="$work/manifest.json"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$config_digest" "$config_size" "$layer_digest" "$layer_size" >"$manifest"
  read -r manifest_digest manifest_size < <(add_blob "$layout" "$manifest")

  # containerd names the imported image from io.containerd.image.name; skopeo's oci: transport
  # finds it by the tag in org.opencontainers.image.ref.name.
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s:%s","org.opencontainers.image.ref.name":"%s"},"platform":{"architecture":"%s","os":"linux"}}]}' \
    "$manifest_digest" "$manifest_size" "$name" "$tag" "$tag" "$arch" >"$layout/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"

  tar -C "$layout" --sort=name --mtime="@0" --owner=0 --group=0 --numeric-owner -cf "$out.tmp.$$" oci-layout index.json blobs
  mv -f "$out.tmp.$$" "$out"
  echo "$out"
}

mkdir -p "$out_dir"

pause_root="$work/pause-root"
mkdir -p "$pause_root"
gcc -static -Os -s -Wall -Wextra -Werror -o "$pause_root/pause" "$here/pause.c"
oci_archive registry.k8s.io/pause 3.6 "$pause_root" \
  "\"User\":\"65535:65535\",\"Env\":[\"$path_env\"],\"Entrypoint\":[\"/pause\"],\"WorkingDir\":\"/\"" \
  "$out_dir/pause-3.6.oci.tar"

busybox_root="$work/busybox-root"
mkdir -p "$busybox_root"/{bin,etc,root,home,tmp,var/tmp,usr/bin,usr/sbin}
chmod 1777 "$busybox_root/tmp" "$busybox_root/var/tmp"
chmod 700 "$busybox_root/root"
cp /bin/busybox "$busybox_root/bin/busybox"
for applet in $("$busybox_root/bin/busybox" --list); do
  [[ "$applet" == busybox ]] || ln -s busybox "$busybox_root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$busybox_root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$busybox_root/etc/group"
oci_archive docker.io/library/busybox 1.36 "$busybox_root" \
  "\"Env\":[\"$path_env\"],\"Cmd\":[\"sh\"]" \
  "$out_dir/busybox-1.36.oci.tar"
