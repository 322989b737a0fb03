// The ingest reference containerd's fetcher uses for a descriptor (remotes.MakeRefKey); it shows up
// in commit errors such as `"layer-sha256:…" failed size validation: …`.
import { annotationRefName, isIndexType, isKnownConfig, isLayerType, isManifestType } from "../images/mediatypes.ts";

export function refKey(desc: { digest?: string; mediaType?: string; annotations?: Record<string, string> }): string {
  let key = desc.digest ?? "";
  const name = desc.annotations?.[annotationRefName];
  if (name !== undefined) key = `${name}@${key}`;
  const mt = desc.mediaType ?? "";
  if (isManifestType(mt)) return `manifest-${key}`;
  if (isIndexType(mt)) return `index-${key}`;
  if (isLayerType(mt)) return `layer-${key}`;
  if (isKnownConfig(mt)) return `config-${key}`;
  return `unknown-${key}`;
}
