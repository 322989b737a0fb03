// How containerd's import and export name images: from index annotations, and the OCI
// reference-name annotation derived from a full name (containerd's reference.Parse object part).
import { annotationImageName, annotationRefName } from "./mediatypes.ts";

/** The client's imageName: containerd's own annotation, else the OCI ref name (translated). */
export function imageNameOf(annotations: Readonly<Record<string, string>> | undefined, translate?: (ref: string) => string): string {
  const name = annotations?.[annotationImageName] ?? "";
  if (name !== "") return name;
  const ref = annotations?.[annotationRefName] ?? "";
  return ref !== "" && translate ? translate(ref) : ref;
}

/**
 * The OCI reference name for a full image name: the tag (or "@digest") after the locator, "" when
 * there is none; the name itself when it does not parse as "host/path".
 */
export function ociReferenceName(name: string): string {
  if (name.includes("://")) return name;
  const slash = name.indexOf("/");
  const host = slash === -1 ? name : name.slice(0, slash);
  if (host === "" || /[\s%]/.test(host)) return name;
  if (slash === -1) return "";
  const path = name.slice(slash);
  const split = path.search(/[:@]/);
  if (split === -1) return "";
  return path[split] === ":" ? path.slice(split + 1) : path.slice(split);
}

/** The index annotations containerd's exporter adds to name an image. */
export function nameAnnotations(name: string, base: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return { ...(base ?? {}), [annotationImageName]: name, [annotationRefName]: ociReferenceName(name) };
}
