// The image world of the model: the two images the reference registry serves (golden/cri/images,
// golden/cri/README.md "Images"), the references commands may name, and how containerd 1.6.20
// reads each of them. References are a fixed table rather than generated strings, so that what the
// model expects of each one is written down here, checked once against the real containerd, and
// needs no reference parser of its own.

export type ImageName = "pause" | "busybox";

export interface CatalogueImage {
  /** The config digest: the CRI image ID. */
  id: string;
  /** The manifest digest (repo digests end in it). */
  digest: string;
  /** The size ImageStatus reports. */
  size: bigint;
  /** The numeric user of the image config, if it names one. */
  uid?: bigint;
}

export const catalogue: Record<ImageName, CatalogueImage> = {
  pause: {
    id: "sha256:f90e316d2bd8a2af3e051ada4702308155433cada8250dca86df99ee82d5500b",
    digest: "sha256:8b97ff6ee22a2088be4bf164d55c5a10f2495a58e4079ae1a91bcd19fb2383c9",
    size: 303214n,
    uid: 65535n,
  },
  busybox: {
    id: "sha256:d8bafad49614a747fcac72fc068f083b0b077c02fae1223524f068444f928d67",
    digest: "sha256:2a43cd67112f9c9a87fc1298334a4d9eba5895117b7ac62ad0d5a23818b4e5fb",
    size: 1032314n,
  },
};

const pause = catalogue.pause;
const busybox = catalogue.busybox;

/** The configured sandbox image (RunPodSandbox pulls it when it is not present). */
export const sandboxImage = "registry.k8s.io/pause:3.6";

/** What the registry serves, by normalised reference (tags and the manifest digests). */
export const registry: ReadonlyMap<string, ImageName> = new Map([
  ["registry.k8s.io/pause:3.6", "pause"],
  [`registry.k8s.io/pause@${pause.digest}`, "pause"],
  ["docker.io/library/busybox:1.36", "busybox"],
  ["docker.io/library/busybox:stable", "busybox"],
  [`docker.io/library/busybox@${busybox.digest}`, "busybox"],
]);

/**
 * How docker's ParseDockerRef reads a reference: its normalised form, or its error text (for a
 * repository with upper case, its remote name: the text is the containerd version's).
 */
export type ParsedReference =
  | { ok: true; normalized: string; repository: string; kind: "tag" | "digest" }
  | { ok: false; error: string }
  | { ok: false; uppercase: string };

const tagged = (repository: string, tag: string): ParsedReference => ({
  ok: true,
  normalized: `${repository}:${tag}`,
  repository,
  kind: "tag",
});
const digested = (repository: string, digest: string): ParsedReference => ({
  ok: true,
  normalized: `${repository}@${digest}`,
  repository,
  kind: "digest",
});
const malformed = (error: string): ParsedReference => ({ ok: false, error });
const uppercase = (remoteName: string): ParsedReference => ({ ok: false, uppercase: remoteName });

const hex = (id: string) => id.slice("sha256:".length);
const library = (name: string) => `docker.io/library/${name}`;

/**
 * Every reference a command may name, with what ParseDockerRef makes of it. Chosen to collide:
 * spellings of one image, tags the registry lacks, image IDs and their prefixes (which the
 * CRI resolves locally but a pull takes for repository names), and malformed ones.
 */
export const references: ReadonlyMap<string, ParsedReference> = new Map([
  ["docker.io/library/busybox:1.36", tagged(library("busybox"), "1.36")],
  ["busybox:1.36", tagged(library("busybox"), "1.36")],
  ["library/busybox:1.36", tagged(library("busybox"), "1.36")],
  ["docker.io/busybox:1.36", tagged(library("busybox"), "1.36")],
  ["busybox:stable", tagged(library("busybox"), "stable")],
  [`busybox@${busybox.digest}`, digested(library("busybox"), busybox.digest)],
  ["registry.k8s.io/pause:3.6", tagged("registry.k8s.io/pause", "3.6")],
  [`registry.k8s.io/pause@${pause.digest}`, digested("registry.k8s.io/pause", pause.digest)],
  // Well formed, not served.
  ["busybox", tagged(library("busybox"), "latest")],
  ["registry.k8s.io/pause:9.9", tagged("registry.k8s.io/pause", "9.9")],
  [`docker.io/library/busybox@sha256:${"0".repeat(64)}`, digested(library("busybox"), `sha256:${"0".repeat(64)}`)],
  ["example.com/model/app:1", tagged("example.com/model/app", "1")],
  // Image IDs and prefixes: resolved locally by ID, but a pull reads them as names.
  [busybox.id, tagged(library("sha256"), hex(busybox.id))],
  [pause.id, tagged(library("sha256"), hex(pause.id))],
  ["sha256:d8ba", tagged(library("sha256"), "d8ba")],
  ["d8bafad49614", tagged(library("d8bafad49614"), "latest")],
  ["f90e316d2bd8", tagged(library("f90e316d2bd8"), "latest")],
  ["d", tagged(library("d"), "latest")],
  // Malformed.
  [hex(busybox.id), malformed(`invalid repository name (${hex(busybox.id)}), cannot specify 64-byte hexadecimal strings`)],
  ["", malformed("invalid reference format")],
  ["BUSYBOX", uppercase("library/BUSYBOX")],
  ["Busybox:1.36", uppercase("library/Busybox")],
  ["busybox::1.36", malformed("invalid reference format")],
  [" busybox:1.36", malformed("invalid reference format")],
  ["busybox@sha256:abc", malformed("invalid reference format")],
]);

export function parseReference(reference: string): ParsedReference {
  const parsed = references.get(reference);
  if (!parsed) throw new Error(`the model has no entry for image reference ${JSON.stringify(reference)}`);
  return parsed;
}

/**
 * References that name busybox when present (or nothing): a container command may use these
 * without starting its program in the pause image, which has no shell.
 */
export const containerImageReferences = [
  "docker.io/library/busybox:1.36",
  "busybox:1.36",
  "busybox:stable",
  `busybox@${busybox.digest}`,
  busybox.id,
  "sha256:d8ba",
  "d8bafad49614",
  "busybox",
  "",
  "BUSYBOX",
] as const;

/**
 * containerd's image store orders an image's references by kind (tags, then repo digests, then
 * the ID), each kind alphabetically.
 */
export function sortReferences(refs: Iterable<string>): string[] {
  const rank = (ref: string) => (ref.startsWith("sha256:") ? 3 : ref.includes("@") ? 2 : 1);
  return [...new Set(refs)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * go-digest's reading of a string for a digest-set lookup: a digest (algorithm and hex, possibly
 * short), or, when it is not shaped like one, a bare hex prefix.
 */
function digestParts(text: string): { algorithm: string; hex: string } {
  const colon = text.indexOf(":");
  if (colon <= 0 || colon + 1 === text.length) return { algorithm: "", hex: text };
  const algorithm = text.slice(0, colon);
  const known = algorithm === "sha256" || algorithm === "sha384" || algorithm === "sha512";
  if (!known && !/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(text)) return { algorithm: "", hex: text };
  return { algorithm, hex: text.slice(colon + 1) };
}

export type DigestLookup = { found: string } | { failure: "not found" | "ambiguous digest string" };

/** go-digest's digestset Lookup over image IDs: an exact digest, or a unique prefix of one. */
export function lookupImageId(ids: readonly string[], text: string): DigestLookup {
  const wanted = digestParts(text);
  const matches = ids.filter((id) => {
    const [algorithm, hex] = id.split(":") as [string, string];
    return hex.startsWith(wanted.hex) && (wanted.algorithm === "" || wanted.algorithm === algorithm);
  });
  if (matches.length === 0) return { failure: "not found" };
  const exact = matches.find((id) => id === `${wanted.algorithm}:${wanted.hex}`);
  if (exact) return { found: exact };
  if (matches.length > 1) return { failure: "ambiguous digest string" };
  return { found: matches[0]! };
}

/** Whether go-digest accepts `text` as a complete, valid digest. */
export function isDigest(text: string): boolean {
  return /^sha256:[a-f0-9]{64}$/.test(text) || /^sha384:[a-f0-9]{96}$/.test(text) || /^sha512:[a-f0-9]{128}$/.test(text);
}
