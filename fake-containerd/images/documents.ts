// The OCI documents containerd reads and writes (image-spec v1.1.0-rc2 as containerd v1.6.20
// vendors it): descriptors, manifests, indexes and image configs, with Go's JSON field order for
// writing and Go's decoding rules for reading.
import { arrayOf, bool, decodeJson, digestStr, int64, raw, setMap, str, stringList, stringMap, struct } from "./decode.ts";
import { goJson, type GoJsonValue } from "../../src/go/json.ts";
import type { Platform } from "./platforms.ts";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface Manifest {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface Index {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** The runtime part of an image config (Go's ocispec.ImageConfig, field names as in JSON). */
export interface ImageRuntimeConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  Volumes?: Record<string, Record<string, never>>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  ArgsEscaped?: boolean;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** An image config (Go's ocispec.Image). */
export interface ImageConfigFile {
  created?: string;
  author?: string;
  architecture: string;
  variant?: string;
  os: string;
  "os.version"?: string;
  "os.features"?: string[];
  config: ImageRuntimeConfig;
  rootfs: { type: string; diff_ids: string[] };
  history?: HistoryEntry[];
}

const platformSchema = struct("Platform", "*v1.Platform", {
  architecture: str,
  os: str,
  "os.version": str,
  "os.features": stringList,
  variant: str,
});

const descriptorSchema = struct("Descriptor", "v1.Descriptor", {
  mediaType: str,
  digest: digestStr,
  size: int64,
  urls: stringList,
  annotations: stringMap,
  platform: platformSchema,
});

const manifestSchema = struct("Manifest", "v1.Manifest", {
  schemaVersion: int64,
  mediaType: str,
  config: descriptorSchema,
  layers: arrayOf(descriptorSchema, "[]v1.Descriptor"),
  annotations: stringMap,
});

const indexSchema = struct("Index", "v1.Index", {
  schemaVersion: int64,
  mediaType: str,
  manifests: arrayOf(descriptorSchema, "[]v1.Descriptor"),
  annotations: stringMap,
});

const imageSchema = struct("Image", "v1.Image", {
  created: str,
  author: str,
  architecture: str,
  variant: str,
  os: str,
  "os.version": str,
  "os.features": stringList,
  config: struct("ImageConfig", "v1.ImageConfig", {
    User: str,
    ExposedPorts: setMap,
    Env: stringList,
    Entrypoint: stringList,
    Cmd: stringList,
    Volumes: setMap,
    WorkingDir: str,
    Labels: stringMap,
    StopSignal: str,
    ArgsEscaped: bool,
  }),
  rootfs: struct("RootFS", "v1.RootFS", { type: str, diff_ids: arrayOf(digestStr, "[]digest.Digest") }),
  history: arrayOf(
    struct("History", "v1.History", { created: str, created_by: str, author: str, comment: str, empty_layer: bool }),
    "[]v1.History",
  ),
});

/** The fields containerd checks to tell manifests from indexes (images.unknownDocument). */
export interface UnknownDocument {
  mediaType?: string;
  config?: unknown;
  layers?: unknown;
  manifests?: unknown;
  fsLayers?: unknown;
}

const unknownDocumentSchema = struct("unknownDocument", "images.unknownDocument", {
  mediaType: str,
  config: raw,
  layers: raw,
  manifests: raw,
  fsLayers: raw,
});

export function parseUnknownDocument(bytes: Uint8Array): UnknownDocument {
  return decodeJson(bytes, unknownDocumentSchema);
}

interface DecodedPlatform {
  architecture?: string;
  os?: string;
  "os.version"?: string;
  "os.features"?: string[];
  variant?: string;
}

function withDescriptorDefaults(decoded: Omit<Partial<Descriptor>, "platform"> & { platform?: DecodedPlatform }): Descriptor {
  const { platform, ...d } = decoded;
  const out: Descriptor = { ...d, mediaType: d.mediaType ?? "", digest: d.digest ?? "", size: d.size ?? 0 };
  if (platform) {
    out.platform = { os: platform.os ?? "", architecture: platform.architecture ?? "" };
    if (platform.variant !== undefined) out.platform.variant = platform.variant;
    if (platform["os.version"] !== undefined) out.platform.osVersion = platform["os.version"];
    if (platform["os.features"] !== undefined) out.platform.osFeatures = platform["os.features"];
  }
  return out;
}

export function parseManifest(bytes: Uint8Array): Manifest {
  type Decoded = Omit<Partial<Manifest>, "config" | "layers"> & {
    config?: Parameters<typeof withDescriptorDefaults>[0];
    layers?: Parameters<typeof withDescriptorDefaults>[0][];
  };
  const m = decodeJson<Decoded>(bytes, manifestSchema);
  return {
    ...m,
    schemaVersion: m.schemaVersion ?? 0,
    config: withDescriptorDefaults(m.config ?? {}),
    layers: (m.layers ?? []).map(withDescriptorDefaults),
  };
}

export function parseIndex(bytes: Uint8Array): Index {
  type Decoded = Omit<Partial<Index>, "manifests"> & { manifests?: Parameters<typeof withDescriptorDefaults>[0][] };
  const i = decodeJson<Decoded>(bytes, indexSchema);
  return { ...i, schemaVersion: i.schemaVersion ?? 0, manifests: (i.manifests ?? []).map(withDescriptorDefaults) };
}

export function parseImageConfig(bytes: Uint8Array): ImageConfigFile {
  const c = decodeJson<Partial<ImageConfigFile> & { rootfs?: Partial<ImageConfigFile["rootfs"]> }>(bytes, imageSchema);
  return {
    ...c,
    architecture: c.architecture ?? "",
    os: c.os ?? "",
    config: c.config ?? {},
    rootfs: { type: c.rootfs?.type ?? "", diff_ids: c.rootfs?.diff_ids ?? [] },
  };
}

function platformJson(p: Platform): GoJsonValue {
  return {
    architecture: p.architecture,
    os: p.os,
    "os.version": p.osVersion || undefined,
    "os.features": p.osFeatures?.length ? p.osFeatures : undefined,
    variant: p.variant || undefined,
  };
}

function mapOrOmit(m: Readonly<Record<string, string>> | undefined): GoJsonValue | undefined {
  return m && Object.keys(m).length > 0 ? new Map(Object.entries(m)) : undefined;
}

function descriptorJson(d: Descriptor): GoJsonValue {
  return {
    mediaType: d.mediaType || undefined,
    digest: d.digest,
    size: d.size,
    urls: d.urls?.length ? d.urls : undefined,
    annotations: mapOrOmit(d.annotations),
    platform: d.platform ? platformJson(d.platform) : undefined,
  };
}

export function encodeManifest(m: Manifest): Uint8Array {
  return utf8(
    goJson({
      schemaVersion: m.schemaVersion,
      mediaType: m.mediaType || undefined,
      config: descriptorJson(m.config),
      layers: m.layers.map(descriptorJson),
      annotations: mapOrOmit(m.annotations),
    }),
  );
}

export function encodeIndex(i: Index): Uint8Array {
  return utf8(
    goJson({
      schemaVersion: i.schemaVersion,
      mediaType: i.mediaType || undefined,
      manifests: i.manifests.map(descriptorJson),
      annotations: mapOrOmit(i.annotations),
    }),
  );
}

function setJson(set: Readonly<Record<string, unknown>> | undefined): GoJsonValue | undefined {
  if (!set || Object.keys(set).length === 0) return undefined;
  return new Map(Object.keys(set).map((k) => [k, {}]));
}

function listOrOmit(list: readonly string[] | undefined): GoJsonValue | undefined {
  return list && list.length > 0 ? list : undefined;
}

export function encodeImageConfig(c: ImageConfigFile): Uint8Array {
  const rc = c.config;
  return utf8(
    goJson({
      created: c.created,
      author: c.author || undefined,
      architecture: c.architecture,
      variant: c.variant || undefined,
      os: c.os,
      "os.version": c["os.version"] || undefined,
      "os.features": listOrOmit(c["os.features"]),
      config: {
        User: rc.User || undefined,
        ExposedPorts: setJson(rc.ExposedPorts),
        Env: listOrOmit(rc.Env),
        Entrypoint: listOrOmit(rc.Entrypoint),
        Cmd: listOrOmit(rc.Cmd),
        Volumes: setJson(rc.Volumes),
        WorkingDir: rc.WorkingDir || undefined,
        Labels: mapOrOmit(rc.Labels),
        StopSignal: rc.StopSignal || undefined,
        ArgsEscaped: rc.ArgsEscaped || undefined,
      },
      rootfs: { type: c.rootfs.type, diff_ids: c.rootfs.diff_ids },
      history: c.history?.length
        ? c.history.map((h) => ({
            created: h.created,
            created_by: h.created_by || undefined,
            author: h.author || undefined,
            comment: h.comment || undefined,
            empty_layer: h.empty_layer || undefined,
          }))
        : undefined,
    }),
  );
}

const encoder = new TextEncoder();
function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}
