// github.com/containerd/typeurl v1.0.2 for the runtime option types: type URLs, MarshalAny and
// UnmarshalAny. The option structs are gogo/protobuf messages, so marshalling is gogo's generated
// Marshal (known fields in field order, then XXX_unrecognized) and unmarshalling follows their
// generated Unmarshal methods, errors included.
import {
  RUNC_OPTIONS_URL,
  RUNC_V2_OPTIONS_URL,
  RUNHCS_OPTIONS_URL,
  RUNTIME_OPTIONS_V1_URL,
  type GoField,
  type RuntimeOptions,
  type RuntimeOptionsTypeUrl,
  optionsStructs,
  structOf,
} from "./toml-options.ts";

/** A google.protobuf.Any as gogo's types.Any holds it. */
export interface AnyMessage {
  typeUrl: string;
  value: Uint8Array;
}

/** typeurl.ErrNotFound, wrapped with the URL that was looked up. */
export class TypeUrlNotFoundError extends Error {
  override name = "TypeUrlNotFoundError";
}

/** Bytes that gogo's generated Unmarshal rejects. */
export class ProtoDecodeError extends Error {
  override name = "ProtoDecodeError";
}

const errUnexpectedEOF = "unexpected EOF";
const errIntOverflow = "proto: integer overflow";
const errInvalidLength = "proto: negative length found during unmarshaling";

/**
 * What differs between the generated Unmarshal methods: the message name in their errors, whether
 * unknown fields are kept (runtimeoptions.v1 has no XXX_unrecognized), and how unknown fields are
 * skipped: containerd's files count group depth, hcsshim's older generator recurses into groups.
 */
const wireFormats: Record<RuntimeOptionsTypeUrl, { name: string; skip: "depth" | "recursive"; keepsUnknown: boolean }> = {
  [RUNC_V2_OPTIONS_URL]: { name: "Options", skip: "depth", keepsUnknown: true },
  [RUNC_OPTIONS_URL]: { name: "RuncOptions", skip: "depth", keepsUnknown: true },
  [RUNHCS_OPTIONS_URL]: { name: "Options", skip: "recursive", keepsUnknown: true },
  [RUNTIME_OPTIONS_V1_URL]: { name: "Options", skip: "depth", keepsUnknown: false },
};

/** typeurl.TypeURL: these types are not in typeurl's own registry, so it is proto.MessageName. */
export function typeUrlOf(options: RuntimeOptions): RuntimeOptionsTypeUrl {
  return options.typeUrl;
}

/** typeurl.MarshalAny: gogo's Marshal writes the non-zero fields in field order, then XXX_unrecognized. */
export function marshalAny(options: RuntimeOptions): AnyMessage {
  const known = structOf(options).codec.encode(options.message).finish();
  const unrecognized = options.unrecognized ?? new Uint8Array(0);
  const value = new Uint8Array(known.length + unrecognized.length);
  value.set(known);
  value.set(unrecognized, known.length);
  return { typeUrl: typeUrlOf(options), value };
}

function isKnownTypeUrl(url: string): url is RuntimeOptionsTypeUrl {
  return Object.hasOwn(optionsStructs, url);
}

/** typeurl.UnmarshalAny: finds the type by URL (proto's registry) and runs its generated Unmarshal. */
export function unmarshalAny(any: AnyMessage): RuntimeOptions {
  if (!isKnownTypeUrl(any.typeUrl)) throw new TypeUrlNotFoundError(`type with url ${any.typeUrl}: not found`);
  return decodeMessage(any.typeUrl, any.value);
}

/** A 64-bit Go int sum, wrapping as Go does on overflow. */
function addInt(a: bigint, b: bigint): bigint {
  return BigInt.asIntN(64, a + b);
}

/** Reads a varint as gogo does: at most ten bytes, bits past the 64th dropped. */
function readVarint(buf: Uint8Array, at: bigint): [value: bigint, next: bigint] {
  let value = 0n;
  let pos = at;
  for (let shift = 0n; ; shift += 7n) {
    if (shift >= 64n) throw new ProtoDecodeError(errIntOverflow);
    if (pos >= BigInt(buf.length)) throw new ProtoDecodeError(errUnexpectedEOF);
    const b = buf[Number(pos)]!;
    pos++;
    value = BigInt.asUintN(64, value | (BigInt(b & 0x7f) << shift));
    if (b < 0x80) return [value, pos];
  }
}

/** A field of the message itself, as opposed to gogo's XXX_ bookkeeping fields. */
type MessageField = GoField<unknown> & { target: { prop: string; number: number } };

function wireTypeOf(field: MessageField): number {
  return field.type === "string" ? 2 : 0;
}

// Go keeps a leading U+FEFF in a string; TextDecoder would drop it unless told not to.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

function decodeMessage(typeUrl: RuntimeOptionsTypeUrl, buf: Uint8Array): RuntimeOptions {
  const struct = optionsStructs[typeUrl];
  const format = wireFormats[typeUrl];
  const message = struct.codec.create() as unknown as Record<string, unknown>;
  const byNumber = new Map<number, MessageField>();
  for (const field of struct.fields as readonly GoField<unknown>[]) {
    if (typeof field.target === "object") byNumber.set(field.target.number, field as MessageField);
  }
  const length = BigInt(buf.length);
  const unknown: Uint8Array[] = [];
  let pos = 0n;
  while (pos < length) {
    const fieldStart = pos;
    const [tag, afterTag] = readVarint(buf, pos);
    pos = afterTag;
    const fieldNum = Number(BigInt.asIntN(32, tag >> 3n));
    const wireType = Number(tag & 7n);
    if (wireType === 4) throw new ProtoDecodeError(`proto: ${format.name}: wiretype end group for non-group`);
    if (fieldNum <= 0) throw new ProtoDecodeError(`proto: ${format.name}: illegal tag ${fieldNum} (wire type ${tag})`);
    const field = byNumber.get(fieldNum);
    if (field === undefined) {
      const rest = buf.subarray(Number(fieldStart));
      const skipped = format.skip === "depth" ? skipDepth(rest) : skipRecursive(rest);
      if (skipped < 0n || addInt(fieldStart, skipped) < 0n) throw new ProtoDecodeError(errInvalidLength);
      if (fieldStart + skipped > length) throw new ProtoDecodeError(errUnexpectedEOF);
      pos = fieldStart + skipped;
      if (format.keepsUnknown) unknown.push(buf.slice(Number(fieldStart), Number(pos)));
      continue;
    }
    if (wireType !== wireTypeOf(field)) {
      throw new ProtoDecodeError(`proto: wrong wireType = ${wireType} for field ${field.name}`);
    }
    const [raw, afterValue] = readVarint(buf, pos);
    pos = afterValue;
    switch (field.type) {
      case "bool":
        message[field.target.prop] = raw !== 0n;
        break;
      case "uint32":
        message[field.target.prop] = Number(BigInt.asUintN(32, raw));
        break;
      case "int32":
        message[field.target.prop] = Number(BigInt.asIntN(32, raw));
        break;
      case "string": {
        const size = BigInt.asIntN(64, raw);
        if (size < 0n) throw new ProtoDecodeError(errInvalidLength);
        const end = addInt(pos, size);
        if (end < 0n) throw new ProtoDecodeError(errInvalidLength);
        if (end > length) throw new ProtoDecodeError(errUnexpectedEOF);
        message[field.target.prop] = utf8.decode(buf.subarray(Number(pos), Number(end)));
        pos = end;
        break;
      }
    }
  }
  const options = { typeUrl, message } as unknown as RuntimeOptions;
  if (unknown.length > 0) (options as { unrecognized?: Uint8Array }).unrecognized = concat(unknown);
  return options;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Skips a varint's bytes without decoding it. */
function skipVarintBytes(buf: Uint8Array, at: bigint): bigint {
  let pos = at;
  for (let shift = 0; ; shift += 7) {
    if (shift >= 64) throw new ProtoDecodeError(errIntOverflow);
    if (pos >= BigInt(buf.length)) throw new ProtoDecodeError(errUnexpectedEOF);
    pos++;
    if (buf[Number(pos) - 1]! < 0x80) return pos;
  }
}

/** The skip function of containerd's generated files: how many bytes the field at buf[0] spans. */
function skipDepth(buf: Uint8Array): bigint {
  const length = BigInt(buf.length);
  let pos = 0n;
  let depth = 0;
  while (pos < length) {
    const [tag, afterTag] = readVarint(buf, pos);
    pos = afterTag;
    const wireType = Number(tag & 7n);
    switch (wireType) {
      case 0:
        pos = skipVarintBytes(buf, pos);
        break;
      case 1:
        pos = addInt(pos, 8n);
        break;
      case 2: {
        const [raw, afterLength] = readVarint(buf, pos);
        const size = BigInt.asIntN(64, raw);
        if (size < 0n) throw new ProtoDecodeError(errInvalidLength);
        pos = addInt(afterLength, size);
        break;
      }
      case 3:
        depth++;
        break;
      case 4:
        // The caller never starts at an end-group tag, so a group is open here.
        depth--;
        break;
      case 5:
        pos = addInt(pos, 4n);
        break;
      default:
        throw new ProtoDecodeError(`proto: illegal wireType ${wireType}`);
    }
    if (pos < 0n) throw new ProtoDecodeError(errInvalidLength);
    if (depth === 0) return pos;
  }
  throw new ProtoDecodeError(errUnexpectedEOF);
}

/** The skip function of hcsshim's generated file: a group is skipped field by field, recursively. */
function skipRecursive(buf: Uint8Array): bigint {
  const [tag, afterTag] = readVarint(buf, 0n);
  let pos = afterTag;
  const wireType = Number(tag & 7n);
  switch (wireType) {
    case 0:
      return skipVarintBytes(buf, pos);
    case 1:
      return pos + 8n;
    case 2: {
      const [raw, afterLength] = readVarint(buf, pos);
      const size = BigInt.asIntN(64, raw);
      if (size < 0n) throw new ProtoDecodeError(errInvalidLength);
      pos = addInt(afterLength, size);
      if (pos < 0n) throw new ProtoDecodeError(errInvalidLength);
      return pos;
    }
    case 3:
      for (;;) {
        const start = pos;
        const [inner, afterInner] = readVarint(buf, pos);
        pos = afterInner;
        if ((inner & 7n) === 4n) return pos;
        pos = addInt(start, skipRecursive(buf.subarray(Number(start))));
        if (pos < 0n) throw new ProtoDecodeError(errInvalidLength);
      }
    case 4:
      return pos;
    case 5:
      return pos + 4n;
    default:
      throw new ProtoDecodeError(`proto: illegal wireType ${wireType}`);
  }
}
