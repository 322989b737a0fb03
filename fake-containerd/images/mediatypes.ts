// The media types containerd recognises and its predicates over them (images/mediatypes.go), plus
// the GC reference labels a parent blob carries for each child.

export const mediaTypes = {
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar",
  dockerLayerForeign: "application/vnd.docker.image.rootfs.foreign.diff.tar",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerLayerForeignGzip: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerNonDistributable: "application/vnd.oci.image.layer.nondistributable.v1.tar",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  containerdCheckpoint: "application/vnd.containerd.container.criu.checkpoint.criu.tar",
  containerdCheckpointConfig: "application/vnd.containerd.container.checkpoint.config.v1+proto",
} as const;

/** Annotation holding the full image name on an index entry (containerd's own). */
export const annotationImageName = "io.containerd.image.name";
/** OCI's reference-name annotation on an index entry. */
export const annotationRefName = "org.opencontainers.image.ref.name";

/** Content label pointing a compressed layer at the digest of its uncompressed form. */
export const labelUncompressed = "containerd.io/uncompressed";

function baseType(mt: string): string {
  const plus = mt.indexOf("+");
  return plus === -1 ? mt : mt.slice(0, plus);
}

export function isLayerType(mt: string): boolean {
  if (mt.startsWith("application/vnd.oci.image.layer.")) return true;
  switch (baseType(mt)) {
    case mediaTypes.dockerLayer:
    case mediaTypes.dockerLayerGzip:
    case mediaTypes.dockerLayerForeign:
    case mediaTypes.dockerLayerForeignGzip:
      return true;
  }
  return false;
}

export function isManifestType(mt: string): boolean {
  return mt === mediaTypes.dockerManifest || mt === mediaTypes.ociManifest;
}

export function isIndexType(mt: string): boolean {
  return mt === mediaTypes.ociIndex || mt === mediaTypes.dockerManifestList;
}

export function isConfigType(mt: string): boolean {
  return mt === mediaTypes.dockerConfig || mt === mediaTypes.ociConfig;
}

/** Config types including containerd's checkpoint configs. */
export function isKnownConfig(mt: string): boolean {
  return isConfigType(mt) || mt === mediaTypes.containerdCheckpoint || mt === mediaTypes.containerdCheckpointConfig;
}

/**
 * containerd's ChildGCLabels: the label key (prefix) a parent uses to reference a child of this
 * media type. A key ending in "." gets the child's index appended.
 */
function childGCLabel(mt: string): string {
  if (isKnownConfig(mt)) return "containerd.io/gc.ref.content.config";
  if (isManifestType(mt)) return "containerd.io/gc.ref.content.m.";
  if (isLayerType(mt)) return "containerd.io/gc.ref.content.l.";
  return "containerd.io/gc.ref.content.";
}

/**
 * The labels containerd's SetChildrenLabels puts on a parent blob for its children: one key per
 * child; a repeated key, or one ending in ".", is numbered per key in child order.
 */
export function childrenLabels(children: ReadonlyArray<{ mediaType: string; digest: string }>): Record<string, string> {
  const labels: Record<string, string> = {};
  const seen = new Map<string, number>();
  for (const child of children) {
    let key = childGCLabel(child.mediaType);
    const index = seen.get(key) ?? 0;
    seen.set(key, index + 1);
    if (index > 0 || key.endsWith(".")) key = `${key}${index}`;
    labels[key] = child.digest;
  }
  return labels;
}

/**
 * containerd's DiffCompression: how a layer of this type is compressed — "gzip", "zstd", "" (not
 * compressed), or "unknown" for Docker's uncompressed types, which may be compressed anyway.
 * Undefined when the type is not a layer diff at all.
 */
export function diffCompression(mt: string): "gzip" | "zstd" | "unknown" | "" | undefined {
  if (mt === "") return undefined;
  const [base, ...ext] = mt.split("+");
  ext.sort();
  switch (base) {
    case mediaTypes.dockerLayer:
    case mediaTypes.dockerLayerForeign:
      return ext.length > 0 ? "" : "unknown";
    case mediaTypes.dockerLayerGzip:
    case mediaTypes.dockerLayerForeignGzip:
      return ext.length > 0 ? "" : "gzip";
    case mediaTypes.ociLayer:
    case mediaTypes.ociLayerNonDistributable: {
      const last = ext[ext.length - 1];
      return last === "gzip" || last === "zstd" ? last : "";
    }
    default:
      return undefined;
  }
}
