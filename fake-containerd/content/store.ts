// The content store of one namespace, as containerd's metadata content store presents it over its
// blob store: blobs addressed by digest, verified on commit, each with labels (GC references,
// "containerd.io/uncompressed" ...) and created/updated times.
import type { OperationName } from "../operations.ts";
import type { FakeContext } from "../context.ts";
import { ContainerdError, alreadyExists, invalidArgument, notFound } from "../errdefs.ts";
import { digestFromBytes } from "../../src/go/digest.ts";
import { quote } from "../../src/go/strconv.ts";
import { base64ToBytes, bytesToBase64 } from "../state.ts";
import { compareUtf8 } from "../../src/go/json.ts";
import type { Adaptor, ObjectFilter } from "./filter.ts";
import { mapField } from "../filters.ts";
import { applyLabelPath, storedLabels, validateLabels } from "./labels.ts";
import { refKey } from "./ref.ts";

export interface ContentInfo {
  digest: string;
  size: number;
  /** Nanoseconds since the Unix epoch. */
  createdAt: bigint;
  updatedAt: bigint;
  labels: Record<string, string>;
}

/** What the writer is told to expect, like the descriptor given to containerd's content.Writer. */
export interface WriteExpectation {
  digest?: string;
  size?: number;
  mediaType?: string;
  annotations?: Record<string, string>;
}

export interface WriteOptions {
  /** Labels set on commit. */
  labels?: Record<string, string>;
  /** The ingest reference; defaults to the one containerd's fetcher derives from the descriptor. */
  ref?: string;
}

interface Blob {
  data: Uint8Array;
  createdAt: bigint;
  updatedAt: bigint;
  labels: Record<string, string>;
  /** What decoders made of the (immutable) bytes, by decoder. */
  decoded?: Map<(bytes: Uint8Array) => unknown, unknown>;
}

/** A decoded document handed out to every reader: frozen, so that none can change it for the next. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !(value instanceof Error) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export interface ContentStoreState {
  blobs: Array<{ digest: string; data: string; createdAt: string; updatedAt: string; labels: Record<string, string> }>;
}

/** sha256 of the bytes as "sha256:<hex>"; the only place content hashing happens. */
export function computeDigest(bytes: Uint8Array): string {
  return digestFromBytes(bytes);
}

export class ContentStore {
  readonly ctx: FakeContext;
  readonly namespace: string;
  private readonly blobs = new Map<string, Blob>();

  constructor(ctx: FakeContext, namespace: string) {
    this.ctx = ctx;
    this.namespace = namespace;
  }

  /**
   * Writes and commits a blob. With an expected digest that is already present the writer is
   * refused (`content <digest>: already exists`); on commit the size and digest are checked with
   * containerd's wording, and a refused write leaves nothing behind.
   */
  async write(bytes: Uint8Array, expected: WriteExpectation = {}, options: WriteOptions = {}): Promise<ContentInfo> {
    await this.enter("content.write", expected.digest);
    const ref = options.ref ?? refKey(expected);
    if (ref === "") throw invalidArgument("ref must not be empty");
    if (expected.digest && this.blobs.has(expected.digest)) throw alreadyExists(`content ${expected.digest}`);

    validateLabels("info.Labels", options.labels);
    const size = expected.size ?? 0;
    if (size !== 0 && size !== bytes.length) {
      throw new ContainerdError(
        "failed precondition",
        `${quote(ref)} failed size validation: ${bytes.length} != ${size}: failed precondition`,
      );
    }
    const actual = computeDigest(bytes);
    if (expected.digest && expected.digest !== actual) {
      throw new ContainerdError(
        "failed precondition",
        `unexpected commit digest ${actual}, expected ${expected.digest}: failed precondition`,
      );
    }
    if (this.blobs.has(actual)) throw alreadyExists(`content ${actual}`);

    const now = this.ctx.clock.now();
    const blob: Blob = { data: bytes.slice(), createdAt: now, updatedAt: now, labels: storedLabels(options.labels) };
    this.blobs.set(actual, blob);
    this.ctx.changes?.mark("blob", this.namespace, actual);
    return infoOf(actual, blob);
  }

  async info(digest: string): Promise<ContentInfo> {
    await this.enter("content.info", digest);
    return infoOf(digest, this.get(digest));
  }

  /** containerd's Update: only labels are mutable ("labels" or "labels.<key>"; none means all). */
  async update(info: { digest: string; labels?: Record<string, string> }, ...fieldpaths: string[]): Promise<ContentInfo> {
    await this.enter("content.update", info.digest);
    const blob = this.get(info.digest);
    let labels = { ...blob.labels };
    if (fieldpaths.length === 0) labels = { ...(info.labels ?? {}) };
    for (const path of fieldpaths) {
      const next = applyLabelPath(labels, info.labels, path);
      if (!next) throw invalidArgument(`cannot update ${quote(path)} field on content info ${quote(info.digest)}`);
      labels = next;
    }
    validateLabels("info.Labels", labels);
    blob.labels = storedLabels(labels);
    blob.updatedAt = this.ctx.clock.now();
    this.ctx.changes?.mark("blob", this.namespace, info.digest);
    return infoOf(info.digest, blob);
  }

  /** The blob's bytes (a copy: the store's blobs are immutable). */
  read(digest: string): Promise<Uint8Array> {
    // A promise chain settles on the same ticks as an async function, without its frame.
    return this.enter("content.read", digest).then(() => this.get(digest).data.slice());
  }

  /**
   * The blob read (as read() does, faults and all) and decoded by `decode`, which runs once per blob:
   * image documents are read on every container create. The result is frozen and shared.
   */
  readDecoded<T>(digest: string, decode: (bytes: Uint8Array) => T): Promise<T> {
    return this.enter("content.read", digest).then(() => {
      const blob = this.get(digest);
      const decoded = (blob.decoded ??= new Map());
      if (decoded.has(decode)) return decoded.get(decode) as T;
      const value = deepFreeze(decode(blob.data.slice()));
      decoded.set(decode, value);
      return value;
    });
  }

  async delete(digest: string): Promise<void> {
    await this.enter("content.delete", digest);
    this.get(digest);
    this.blobs.delete(digest);
    this.ctx.changes?.mark("blob", this.namespace, digest);
    await this.ctx.events.publish(this.namespace, "/content/delete", { digest });
  }

  /** Calls fn for each blob matching the filter, in digest order. */
  async walk(fn: (info: ContentInfo) => void | Promise<void>, filter?: ObjectFilter): Promise<void> {
    for (const info of await this.list(filter)) await fn(info);
  }

  /** The blobs matching the filter, in digest order. */
  async list(filter?: ObjectFilter): Promise<ContentInfo[]> {
    await this.enter("content.list");
    const infos = [...this.blobs].map(([digest, blob]) => infoOf(digest, blob));
    infos.sort((a, b) => compareUtf8(a.digest, b.digest));
    return filter ? infos.filter((info) => filter.match(contentFields(info))) : infos;
  }

  /** What keeps the namespace from being deleted, in containerd's words. */
  remaining(): string[] {
    return this.blobs.size > 0 ? ["blobs"] : [];
  }

  toState(): ContentStoreState {
    return { blobs: [...this.blobs].map(([digest, blob]) => blobState(digest, blob)) };
  }

  /** One blob as toState() holds it, or null when there is none (see changes.ts). */
  stateOf(digest: string): ContentStoreState["blobs"][number] | null {
    const blob = this.blobs.get(digest);
    return blob ? blobState(digest, blob) : null;
  }

  static fromState(ctx: FakeContext, namespace: string, state: ContentStoreState): ContentStore {
    const store = new ContentStore(ctx, namespace);
    for (const b of state.blobs) {
      store.blobs.set(b.digest, {
        data: base64ToBytes(b.data),
        createdAt: BigInt(b.createdAt),
        updatedAt: BigInt(b.updatedAt),
        labels: { ...b.labels },
      });
    }
    return store;
  }

  private get(digest: string): Blob {
    const blob = this.blobs.get(digest);
    if (!blob) throw notFound(`content digest ${digest}`);
    return blob;
  }

  private enter(op: OperationName, subject?: string): Promise<void> {
    return this.ctx.operations.pass({ op, namespace: this.namespace, subject });
  }
}

function blobState(digest: string, blob: Blob): ContentStoreState["blobs"][number] {
  return {
    digest,
    data: bytesToBase64(blob.data),
    createdAt: String(blob.createdAt),
    updatedAt: String(blob.updatedAt),
    labels: { ...blob.labels },
  };
}

function infoOf(digest: string, blob: Blob): ContentInfo {
  return { digest, size: blob.data.length, createdAt: blob.createdAt, updatedAt: blob.updatedAt, labels: { ...blob.labels } };
}

/** containerd's content.AdaptInfo: digest, and labels.<key>; size is not filterable. */
export function contentFields(info: ContentInfo): Adaptor {
  return {
    field(fieldpath) {
      switch (fieldpath[0]) {
        case "digest":
          return info.digest;
        case "labels":
          return mapField(fieldpath.slice(1), info.labels);
        default:
          return undefined;
      }
    },
  };
}
