// ImageStatus (containerd 1.6.20 image_status.go): the image a reference, digest reference, image
// ID or unique ID prefix names. An image that is not there is an empty answer, not an error; only
// an ambiguous ID prefix fails. Verbose adds `info`: the chain ID and the image config as
// containerd re-encodes it (image-spec's Go types, so unknown fields are gone and field order,
// omissions and time formats are Go's).

import type { Image, ImageStatusRequest, ImageStatusResponse } from "../api/v1.ts";
import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import { localResolve, parseImageReferences } from "../helpers/images.ts";
import { getUserFromImage } from "../helpers/user.ts";
import { isNotFound } from "../../../fake-containerd/index.ts";
import { goJson, type GoJsonValue, type ParsedJson } from "../../go/json.ts";
import type { CriImage } from "../store/image-store.ts";
import type { CallContext } from "../service-types.ts";
import type { CriService } from "./service.ts";

export async function imageStatus(c: CriService, r: ImageStatusRequest, _call: CallContext): Promise<ImageStatusResponse> {
  const ref = r.image?.image ?? "";
  let image: CriImage;
  try {
    image = localResolve(c.imageStore, ref);
  } catch (err) {
    if (isNotFound(err)) return { image: undefined, info: {} };
    throw wrap(err, `can not resolve ${quote(ref)} locally`);
  }
  return { image: toCriImage(c, image), info: r.verbose ? { info: verboseInfo(image) } : {} };
}

/** toCRIImage: the CRI's view of a stored image (no spec; pinned as the store has it, never in 1.6.20). */
export function toCriImage(c: CriService, image: CriImage): Image {
  const { tags, digests } = parseImageReferences(image.references);
  const config = goFields(goFields(image.imageSpec as unknown as ParsedJson, imageFields).config, imageConfigFields);
  const user = getUserFromImage(stringOf(config.User));
  return {
    id: image.id,
    repoTags: tags,
    repoDigests: digests,
    size: BigInt.asUintN(64, image.size),
    uid: user.uid === undefined ? undefined : { value: user.uid },
    username: user.name,
    spec: undefined,
    pinned: c.imageStore.isPinned(image),
  };
}

function verboseInfo(image: CriImage): string {
  return goJson({ chainID: image.chainId, imageSpec: imageSpecJson(image.imageSpec as unknown as ParsedJson) });
}

type JsonObject = { [key: string]: ParsedJson };

function isObject(v: ParsedJson | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function stringOf(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/**
 * The fields json.Unmarshal would set on a struct with these field names: a key matches a field
 * exactly or, failing that, case-insensitively; a later key overwrites an earlier one.
 */
function goFields(value: ParsedJson | undefined, names: readonly string[]): Partial<Record<string, ParsedJson>> {
  const out: Partial<Record<string, ParsedJson>> = {};
  if (!isObject(value)) return out;
  for (const [key, v] of Object.entries(value)) {
    const field = names.includes(key) ? key : names.find((n) => n.toLowerCase() === key.toLowerCase());
    if (field !== undefined) out[field] = v;
  }
  return out;
}

/** A `string` field with omitempty: left out when empty or not a string. */
function omitEmptyString(v: ParsedJson | undefined): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** A `[]string` field: undefined (omitted, or null without omitempty) when absent or empty with omitempty. */
function stringList(v: ParsedJson | undefined, omitEmpty: boolean): GoJsonValue | undefined {
  if (!Array.isArray(v)) return omitEmpty ? undefined : null;
  const list = v.map((item) => stringOf(item));
  return omitEmpty && list.length === 0 ? undefined : list;
}

/** A `map[string]T` field with omitempty: keys sorted; `struct{}` values are `{}`. */
function goMap(v: ParsedJson | undefined, valueOf: (item: ParsedJson) => GoJsonValue): GoJsonValue | undefined {
  if (!isObject(v)) return undefined;
  const entries = Object.entries(v);
  return entries.length === 0 ? undefined : new Map(entries.map(([k, item]) => [k, valueOf(item)]));
}

const rfc3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/;

/** time.Time through UnmarshalJSON and MarshalJSON: RFC 3339 with trailing fraction zeros trimmed, a zero offset as Z. */
function goTime(v: ParsedJson | undefined): string | undefined {
  if (typeof v !== "string") return undefined;
  const m = rfc3339.exec(v);
  if (!m) return v;
  const fraction = (m[2] ?? "").slice(0, 9).replace(/0+$/, "");
  const zone = m[3] === "+00:00" || m[3] === "-00:00" ? "Z" : m[3]!;
  return `${m[1]}${fraction === "" ? "" : `.${fraction}`}${zone}`;
}

const imageFields = ["created", "author", "architecture", "variant", "os", "os.version", "os.features", "config", "rootfs", "history"];
const imageConfigFields = ["User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels", "StopSignal", "ArgsEscaped"];

/** image-spec's v1.Image as encoding/json writes it. */
function imageSpecJson(spec: ParsedJson): GoJsonValue {
  const f = goFields(spec, imageFields);
  const config = goFields(f.config, imageConfigFields);
  const rootfs = goFields(f.rootfs, ["type", "diff_ids"]);
  const history = Array.isArray(f.history) && f.history.length > 0 ? f.history : undefined;
  return {
    created: goTime(f.created),
    author: omitEmptyString(f.author),
    architecture: stringOf(f.architecture),
    variant: omitEmptyString(f.variant),
    os: stringOf(f.os),
    "os.version": omitEmptyString(f["os.version"]),
    "os.features": stringList(f["os.features"], true),
    config: {
      User: omitEmptyString(config.User),
      ExposedPorts: goMap(config.ExposedPorts, () => ({})),
      Env: stringList(config.Env, true),
      Entrypoint: stringList(config.Entrypoint, true),
      Cmd: stringList(config.Cmd, true),
      Volumes: goMap(config.Volumes, () => ({})),
      WorkingDir: omitEmptyString(config.WorkingDir),
      Labels: goMap(config.Labels, (item) => stringOf(item)),
      StopSignal: omitEmptyString(config.StopSignal),
      ArgsEscaped: config.ArgsEscaped === true ? true : undefined,
    },
    rootfs: { type: stringOf(rootfs.type), diff_ids: stringList(rootfs.diff_ids, false)! },
    history: history?.map((entry) => {
      const h = goFields(entry, ["created", "created_by", "author", "comment", "empty_layer"]);
      return {
        created: goTime(h.created),
        created_by: omitEmptyString(h.created_by),
        author: omitEmptyString(h.author),
        comment: omitEmptyString(h.comment),
        empty_layer: h.empty_layer === true ? true : undefined,
      };
    }),
  };
}
