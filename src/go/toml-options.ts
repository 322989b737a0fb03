// go-toml v1.8.1 decoding a runtime's `options` table into one of the four generated option structs,
// the way containerd v1.5.7 does it: the config loader leaves the table as map[string]interface{},
// toml.TreeFromMap rebuilds a tree from that map, and Tree.Unmarshal fills the struct by reflection.
// Only what these structs can meet is ported, but that part exactly: key matching, conversions,
// error texts, and the places where Go panics.
import type { TomlDate, TomlTable, TomlValue } from "smol-toml";
import { Options as RuncV2OptionsCodec, type Options as RuncV2Options } from "./runtime-options/runc-v2.ts";
import { RuncOptions as RuncOptionsCodec, type RuncOptions } from "./runtime-options/runctypes.ts";
import { Options as RunhcsOptionsCodec, type Options as RunhcsOptions } from "./runtime-options/runhcs.ts";
import {
  Options as RuntimeOptionsV1Codec,
  type Options as RuntimeOptionsV1,
} from "./runtime-options/runtimeoptions-v1.ts";

export type { RuncOptions, RuncV2Options, RunhcsOptions, RuntimeOptionsV1 };

// ---------------------------------------------------------------------------------------------
// The option structs as Go declares them

/** The Go types the option structs' fields have (enums are int32 underneath). */
export type GoFieldType = "bool" | "string" | "int32" | "uint32" | "struct {}" | "[]uint8";

/** One field of a generated Go struct, in declaration order. */
export interface GoField<M> {
  /** The Go field name; the struct has no toml tags, so this is the key go-toml looks for. */
  name: string;
  type: GoFieldType;
  /** The type as reflect prints it in error texts: an enum prints as its named type. */
  typeName: string;
  /**
   * Where a decoded value goes: a property of the generated message (with the field number from the
   * struct's protobuf tag), or one of gogo's bookkeeping fields, which config can set too.
   */
  target: { prop: keyof M & string; number: number } | "unrecognized" | "sizeCache" | "none";
}

/** A generated option struct: the URL typeurl gives it, its fields, and the wire codec. */
export interface GoStruct<U extends string, M> {
  /** proto.MessageName, which typeurl v1.0.2 uses as the type URL. */
  typeUrl: U;
  fields: readonly GoField<M>[];
  codec: { encode(message: M): { finish(): Uint8Array }; create(): M };
}

/** A value of one of the option structs, tagged with its type URL. */
export interface GoMessage<U extends string, M> {
  typeUrl: U;
  message: M;
  /** XXX_unrecognized: unknown wire fields gogo keeps and writes back after the known ones. Absent is Go's nil. */
  unrecognized?: Uint8Array;
  /** XXX_sizecache: never on the wire, but config can set it like any exported field. */
  sizeCache?: number;
}

export const RUNC_V2_OPTIONS_URL = "containerd.runc.v1.Options";
export const RUNC_OPTIONS_URL = "containerd.linux.runc.RuncOptions";
export const RUNHCS_OPTIONS_URL = "containerd.runhcs.v1.Options";
export const RUNTIME_OPTIONS_V1_URL = "runtimeoptions.v1.Options";

export type RuntimeOptions =
  | GoMessage<typeof RUNC_V2_OPTIONS_URL, RuncV2Options>
  | GoMessage<typeof RUNC_OPTIONS_URL, RuncOptions>
  | GoMessage<typeof RUNHCS_OPTIONS_URL, RunhcsOptions>
  // Generated without XXX_unrecognized: unknown wire fields are dropped.
  | (GoMessage<typeof RUNTIME_OPTIONS_V1_URL, RuntimeOptionsV1> & { unrecognized?: never });

export type RuntimeOptionsTypeUrl = RuntimeOptions["typeUrl"];

function messageField<M>(name: string, type: GoFieldType, prop: keyof M & string, number: number, typeName: string = type): GoField<M> {
  return { name, type, typeName, target: { prop, number } };
}

/** The three fields protoc-gen-gogo appends; runtimeoptions.v1 was generated without XXX_unrecognized. */
function gogoFields<M>(withUnrecognized: boolean): GoField<M>[] {
  return [
    { name: "XXX_NoUnkeyedLiteral", type: "struct {}", typeName: "struct {}", target: "none" },
    ...(withUnrecognized
      ? [{ name: "XXX_unrecognized", type: "[]uint8", typeName: "[]uint8", target: "unrecognized" } as const]
      : []),
    { name: "XXX_sizecache", type: "int32", typeName: "int32", target: "sizeCache" },
  ];
}

/** containerd.runc.v1.Options (runtime/v2/runc/options), for io.containerd.runc.v1 and .v2. */
export const runcV2OptionsStruct: GoStruct<typeof RUNC_V2_OPTIONS_URL, RuncV2Options> = {
  typeUrl: RUNC_V2_OPTIONS_URL,
  fields: [
    messageField("NoPivotRoot", "bool", "noPivotRoot", 1),
    messageField("NoNewKeyring", "bool", "noNewKeyring", 2),
    messageField("ShimCgroup", "string", "shimCgroup", 3),
    messageField("IoUid", "uint32", "ioUid", 4),
    messageField("IoGid", "uint32", "ioGid", 5),
    messageField("BinaryName", "string", "binaryName", 6),
    messageField("Root", "string", "root", 7),
    messageField("CriuPath", "string", "criuPath", 8),
    messageField("SystemdCgroup", "bool", "systemdCgroup", 9),
    messageField("CriuImagePath", "string", "criuImagePath", 10),
    messageField("CriuWorkPath", "string", "criuWorkPath", 11),
    ...gogoFields<RuncV2Options>(true),
  ],
  codec: RuncV2OptionsCodec,
};

/** containerd.linux.runc.RuncOptions (runtime/linux/runctypes), for io.containerd.runtime.v1.linux. */
export const runcOptionsStruct: GoStruct<typeof RUNC_OPTIONS_URL, RuncOptions> = {
  typeUrl: RUNC_OPTIONS_URL,
  fields: [
    messageField("Runtime", "string", "runtime", 1),
    messageField("RuntimeRoot", "string", "runtimeRoot", 2),
    messageField("CriuPath", "string", "criuPath", 3),
    messageField("SystemdCgroup", "bool", "systemdCgroup", 4),
    ...gogoFields<RuncOptions>(true),
  ],
  codec: RuncOptionsCodec,
};

/** containerd.runhcs.v1.Options (hcsshim v0.8.21), for io.containerd.runhcs.v1. */
export const runhcsOptionsStruct: GoStruct<typeof RUNHCS_OPTIONS_URL, RunhcsOptions> = {
  typeUrl: RUNHCS_OPTIONS_URL,
  fields: [
    messageField("Debug", "bool", "debug", 1),
    messageField("DebugType", "int32", "debugType", 2, "options.Options_DebugType"),
    messageField("RegistryRoot", "string", "registryRoot", 3),
    messageField("SandboxImage", "string", "sandboxImage", 4),
    messageField("SandboxPlatform", "string", "sandboxPlatform", 5),
    messageField("SandboxIsolation", "int32", "sandboxIsolation", 6, "options.Options_SandboxIsolation"),
    messageField("BootFilesRootPath", "string", "bootFilesRootPath", 7),
    messageField("VmProcessorCount", "int32", "vmProcessorCount", 8),
    messageField("VmMemorySizeInMb", "int32", "vmMemorySizeInMb", 9),
    messageField("GPUVHDPath", "string", "GPUVHDPath", 10),
    messageField("ScaleCpuLimitsToSandbox", "bool", "scaleCpuLimitsToSandbox", 11),
    messageField("DefaultContainerScratchSizeInGb", "int32", "defaultContainerScratchSizeInGb", 12),
    messageField("DefaultVmScratchSizeInGb", "int32", "defaultVmScratchSizeInGb", 13),
    messageField("ShareScratch", "bool", "shareScratch", 14),
    messageField("NCProxyAddr", "string", "NCProxyAddr", 15),
    ...gogoFields<RunhcsOptions>(true),
  ],
  codec: RunhcsOptionsCodec,
};

/** runtimeoptions.v1.Options (pkg/runtimeoptions/v1), for every other runtime type. */
export const runtimeOptionsV1Struct: GoStruct<typeof RUNTIME_OPTIONS_V1_URL, RuntimeOptionsV1> = {
  typeUrl: RUNTIME_OPTIONS_V1_URL,
  fields: [
    messageField("TypeUrl", "string", "typeUrl", 1),
    messageField("ConfigPath", "string", "configPath", 2),
    ...gogoFields<RuntimeOptionsV1>(false),
  ],
  codec: RuntimeOptionsV1Codec,
};

/** The struct of each option type, by type URL. */
export const optionsStructs: { [U in RuntimeOptionsTypeUrl]: GoStruct<U, Extract<RuntimeOptions, { typeUrl: U }>["message"]> } = {
  [RUNC_V2_OPTIONS_URL]: runcV2OptionsStruct,
  [RUNC_OPTIONS_URL]: runcOptionsStruct,
  [RUNHCS_OPTIONS_URL]: runhcsOptionsStruct,
  [RUNTIME_OPTIONS_V1_URL]: runtimeOptionsV1Struct,
};

/** The struct describing an options value, whatever its type. */
export function structOf(options: RuntimeOptions): GoStruct<string, object> {
  return optionsStructs[options.typeUrl] as GoStruct<string, object>;
}

// ---------------------------------------------------------------------------------------------
// Errors

/** A value go-toml could not convert into a struct field (Tree.Unmarshal's error, position included). */
export class TomlDecodeError extends Error {
  override name = "TomlDecodeError";
}

/** A map value toml.TreeFromMap rejects. */
export class TomlTreeError extends Error {
  override name = "TomlTreeError";
}

/**
 * Where Go panics instead of returning an error (TreeFromMap on some mixed arrays). containerd would
 * crash while loading its config; the message is the panic value as Go prints it after "panic: ".
 */
export class GoPanicError extends Error {
  override name = "GoPanicError";
}

/** A JS value go-toml's parser could never have produced, so Go has no behaviour for it. */
export class TomlInputError extends Error {
  override name = "TomlInputError";
}

// ---------------------------------------------------------------------------------------------
// The options map as containerd's config loader leaves it

/** An offset date-time: go-toml parses it into a time.Time in UTC or in a fixed zone. */
interface GoTime {
  date: string; // YYYY-MM-DD
  clock: string; // hh:mm:ss
  nanos: number;
  offsetMinutes: number;
}

/** A value of the map[string]interface{} holding a runtime's options, with go-toml's Go types. */
type LoadedValue =
  | { t: "int64"; v: bigint }
  | { t: "float64"; v: number }
  | { t: "bool"; v: boolean }
  | { t: "string"; v: string }
  | { t: "time.Time"; v: GoTime }
  // Local dates and times keep their String() text, which is all TreeFromMap uses of them.
  | { t: "toml.LocalDate" | "toml.LocalDateTime" | "toml.LocalTime"; v: string }
  | { t: "map[string]interface {}"; v: LoadedMap }
  | { t: "[]map[string]interface {}"; v: LoadedMap[] }
  | { t: "[]interface {}"; v: LoadedValue[] };

type LoadedMap = [key: string, value: LoadedValue][];

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function isTable(v: TomlValue): v is TomlTable {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function loadTable(table: TomlTable): LoadedMap {
  return Object.entries(table).map(([k, v]) => [k, loadValue(v)]);
}

// go-toml's parser turns a non-empty array whose elements are all tables into an array of tables;
// decoding into interface{} then gives []map[string]interface{} for it and []interface{} otherwise.
function loadValue(v: TomlValue): LoadedValue {
  switch (typeof v) {
    case "bigint":
      if (v < INT64_MIN || v > INT64_MAX) throw new TomlInputError(`integer ${v} does not fit in go-toml's int64`);
      return { t: "int64", v };
    case "number":
      return { t: "float64", v };
    case "boolean":
      return { t: "bool", v };
    case "string":
      return { t: "string", v };
  }
  if (v instanceof Date) return loadDate(v as TomlDate);
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every(isTable)) return { t: "[]map[string]interface {}", v: v.map(loadTable) };
    return { t: "[]interface {}", v: v.map(loadValue) };
  }
  if (isTable(v)) return { t: "map[string]interface {}", v: loadTable(v) };
  throw new TomlInputError(`unsupported TOML value ${String(v)}`);
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const TIME_RE = /^(\d{2}:\d{2}:\d{2})\.(\d{3})$/;
const DATE_TIME_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})\.(\d{3})(Z|[+-]\d{2}:\d{2})?$/;

// smol-toml's TomlDate writes its kind into toISOString(): a date, a time, a local date-time, or
// a date-time with the offset as written. Its precision is the millisecond.
function loadDate(d: TomlDate): LoadedValue {
  const iso = d.toISOString();
  if (DATE_RE.test(iso)) return { t: "toml.LocalDate", v: iso };
  const time = TIME_RE.exec(iso);
  if (time) return { t: "toml.LocalTime", v: localClock(time[1]!, Number(time[2])) };
  const dt = DATE_TIME_RE.exec(iso);
  if (!dt) throw new TomlInputError(`unsupported date ${iso}`);
  const [, date, clock, millis, offset] = dt as unknown as [string, string, string, string, string | undefined];
  if (offset === undefined) return { t: "toml.LocalDateTime", v: `${date}T${localClock(clock, Number(millis))}` };
  const offsetMinutes =
    offset === "Z" ? 0 : (offset[0] === "-" ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  return { t: "time.Time", v: { date, clock, nanos: Number(millis) * 1e6, offsetMinutes } };
}

/** toml.LocalTime.String(): nanoseconds, when there are any, always with nine digits. */
function localClock(clock: string, millis: number): string {
  return millis === 0 ? clock : `${clock}.${String(millis * 1e6).padStart(9, "0")}`;
}

// ---------------------------------------------------------------------------------------------
// TreeFromMap

/** A value stored in a go-toml tree built by TreeFromMap. */
type TreeValue =
  | { t: "int64"; v: bigint }
  | { t: "float64"; v: number }
  | { t: "bool"; v: boolean }
  | { t: "string"; v: string }
  | { t: "time.Time"; v: GoTime }
  /** A Go slice; `elem` is its element type as Go names it. */
  | { t: "slice"; elem: string; v: TreeValue[] };

type TreeNode = { t: "tree"; v: GoTomlTree } | { t: "trees"; v: GoTomlTree[] } | { t: "value"; v: TreeValue };

/** A go-toml *Tree: its keys and nodes (positions are all (0, 0) in a tree built from a map). */
export type GoTomlTree = Map<string, TreeNode>;

/**
 * toml.TreeFromMap on the options map the config loader produced from this table. Go walks maps in
 * random order, so when several values fail, which error Go reports varies; this port reports the
 * first in table order.
 */
export function treeFromMap(options: TomlTable): GoTomlTree {
  return mapToTree(loadTable(options));
}

function mapToTree(map: LoadedMap): GoTomlTree {
  return new Map(map.map(([k, v]) => [k, toTree(v)]));
}

function toTree(v: LoadedValue): TreeNode {
  switch (v.t) {
    case "map[string]interface {}":
      return { t: "tree", v: mapToTree(v.v) };
    case "[]map[string]interface {}":
      return { t: "trees", v: v.v.map(mapToTree) };
    case "[]interface {}":
      return sliceToTree(v.v);
    default:
      return { t: "value", v: coerce(v) };
  }
}

// TreeFromMap reads an array's element type off its first element: tables make an array of tables
// (and Go's type assertion panics on anything else in it); other values make a typed slice that
// every element is appended to by reflection (which panics on a different type).
function sliceToTree(items: LoadedValue[]): TreeNode {
  const first = items[0];
  if (first === undefined) return { t: "value", v: { t: "slice", elem: "interface {}", v: [] } };
  if (first.t === "map[string]interface {}") {
    return {
      t: "trees",
      v: items.map((item) => {
        const node = toTree(item);
        if (node.t !== "tree") {
          const got = node.t === "trees" ? "[]*toml.Tree" : "*toml.tomlValue";
          throw new GoPanicError(`panic: interface conversion: interface {} is ${got}, not *toml.Tree`);
        }
        return node.v;
      }),
    };
  }
  const elem = first.t;
  return {
    t: "value",
    v: {
      t: "slice",
      elem,
      v: items.map((item) => {
        const value = coerce(item);
        const got = goTypeOf(value);
        if (got !== elem) throw new GoPanicError(`panic: reflect.Set: value of type ${got} is not assignable to type ${elem}`);
        return value;
      }),
    },
  };
}

/** go-toml's simpleValueCoercion: local dates and times become their text, maps are refused. */
function coerce(v: LoadedValue): TreeValue {
  switch (v.t) {
    case "toml.LocalDate":
    case "toml.LocalDateTime":
    case "toml.LocalTime":
      return { t: "string", v: v.v };
    case "[]interface {}":
      return { t: "slice", elem: "interface {}", v: v.v.map(coerce) };
    case "map[string]interface {}":
    case "[]map[string]interface {}":
      throw new TomlTreeError(`cannot convert type ${v.t} to Tree`);
    default:
      return v;
  }
}

// ---------------------------------------------------------------------------------------------
// Tree.Unmarshal into an option struct

/**
 * The keys go-toml tries for a field without a toml tag, in order: the Go name, lower case, title
 * case, and with a lower-case first letter. The first one present in the table wins.
 */
export function fieldKeyCandidates(goName: string): string[] {
  return [goName, goName.toLowerCase(), goName.toUpperCase(), goName[0]!.toLowerCase() + goName.slice(1)];
}

/**
 * Tree.Unmarshal(&options): fills `target` field by field in declaration order. Keys that match no
 * field are ignored; the first field whose value does not convert stops the decode with go-toml's
 * error. Fields already set before the failure stay set, as in Go.
 */
export function unmarshalTree(tree: GoTomlTree, target: RuntimeOptions): void {
  const message = target.message as unknown as Record<string, unknown>;
  for (const field of structOf(target).fields) {
    const key = fieldKeyCandidates(field.name).find((k) => tree.has(k));
    if (key === undefined) continue;
    let value: boolean | string | number | Uint8Array | undefined;
    try {
      value = convertField(field, tree.get(key)!);
    } catch (e) {
      // A tree built from a map has no positions, so every error reads "(0, 0): ...".
      if (e instanceof FieldConversionError) throw new TomlDecodeError(`(0, 0): ${e.message}`);
      throw e;
    }
    if (field.target === "unrecognized") (target as { unrecognized?: Uint8Array }).unrecognized = value as Uint8Array;
    else if (field.target === "sizeCache") target.sizeCache = value as number;
    else if (field.target !== "none") message[field.target.prop] = value;
  }
}

class FieldConversionError extends Error {}

function cannotConvert(node: TreeNode | TreeValue, to: string): FieldConversionError {
  return new FieldConversionError(`Can't convert ${formatNode(node)}(${goTypeOfNode(node)}) to ${to}`);
}

function convertField(field: GoField<object>, node: TreeNode): boolean | string | number | Uint8Array | undefined {
  switch (node.t) {
    case "tree":
      // Only a struct type takes a table; struct {} has no fields to fill.
      if (field.type === "struct {}") return undefined;
      throw cannotConvert(node, "a tree");
    case "trees":
      throw cannotConvert(node, "trees");
  }
  const value = node.v;
  // Only the untyped empty array arrives as []interface{}; typed slices take the scalar path below.
  if (value.t === "slice" && value.elem === "interface {}") {
    if (field.type !== "[]uint8") throw cannotConvert(value, "a slice");
    return new Uint8Array(value.v.map((item) => convertInteger(item, "uint8")));
  }
  switch (field.type) {
    case "bool":
      if (value.t === "bool") return value.v;
      throw cannotConvert(value, field.typeName);
    case "string":
      if (value.t === "string") return value.v;
      throw cannotConvert(value, field.typeName);
    case "int32":
    case "uint32":
      return convertInteger(value, field.type, field.typeName);
    case "struct {}":
      throw cannotConvert(value, field.typeName);
    case "[]uint8":
      if (value.t !== "slice") throw cannotConvert(value, "[]uint8(slice)");
      return new Uint8Array(value.v.map((item) => convertInteger(item, "uint8")));
  }
}

const integerRanges = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  uint8: [0n, 255n],
} as const;

/** An int64 into a narrower integer field; go-toml refuses floats even when they are whole. */
function convertInteger(value: TreeValue, type: keyof typeof integerRanges, typeName: string = type): number {
  if (value.t === "slice" && value.elem === "interface {}") throw cannotConvert(value, "a slice");
  if (value.t !== "int64") throw cannotConvert(value, typeName);
  const [min, max] = integerRanges[type];
  if (value.v < 0n && min === 0n) {
    throw new FieldConversionError(`${value.v}(int64) is negative so does not fit in ${typeName}`);
  }
  if (value.v < min || value.v > max) throw new FieldConversionError(`${value.v}(int64) would overflow ${typeName}`);
  return Number(value.v);
}

// ---------------------------------------------------------------------------------------------
// How Go prints these values: %T and %v in the error texts

function goTypeOf(v: TreeValue): string {
  return v.t === "slice" ? `[]${v.elem}` : v.t;
}

function goTypeOfNode(node: TreeNode | TreeValue): string {
  if (node.t === "tree") return "*toml.Tree";
  if (node.t === "trees") return "[]*toml.Tree";
  return goTypeOf(node.t === "value" ? node.v : node);
}

function formatNode(node: TreeNode | TreeValue): string {
  if (node.t === "tree") return treeToToml(node.v, "", "");
  if (node.t === "trees") return `[${node.v.map((t) => treeToToml(t, "", "")).join(" ")}]`;
  return formatValue(node.t === "value" ? node.v : node);
}

/** fmt's %v. */
function formatValue(v: TreeValue): string {
  switch (v.t) {
    case "int64":
      return v.v.toString();
    case "float64":
      return formatFloatV(v.v);
    case "bool":
    case "string":
      return String(v.v);
    case "time.Time":
      return formatTime(v.v);
    case "slice":
      return `[${v.v.map(formatValue).join(" ")}]`;
  }
}

/** Shortest round-trip digits of |x| (x finite, non-zero) and the decimal exponent of the first. */
function shortestDigits(x: number, float32: boolean): { digits: string; exp: number } {
  const abs = Math.abs(x);
  let text = abs.toExponential();
  if (float32) {
    for (let precision = 1; precision <= 9; precision++) {
      const candidate = abs.toExponential(precision - 1);
      if (Math.fround(Number(candidate)) === abs) {
        text = candidate;
        break;
      }
    }
  }
  const [mantissa, exponent] = text.split("e") as [string, string];
  return { digits: mantissa.replace(".", ""), exp: Number(exponent) };
}

/** Digits laid out without an exponent, with `decimals` digits after the point. */
function positional(digits: string, exp: number, decimals: number): string {
  const pointAt = exp + 1;
  const digitAt = (i: number) => (i >= 0 && i < digits.length ? digits[i]! : "0");
  let whole = "";
  if (pointAt <= 0) whole = "0";
  else for (let i = 0; i < pointAt; i++) whole += digitAt(i);
  let fraction = "";
  for (let i = 0; i < decimals; i++) fraction += digitAt(pointAt + i);
  return decimals > 0 ? `${whole}.${fraction}` : whole;
}

/** fmt's %v for a float64: %g with the shortest digits, an exponent from 1e+06 and below 1e-04. */
export function formatFloatV(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  if (x === 0) return `${sign}0`;
  const { digits, exp } = shortestDigits(x, false);
  if (exp < -4 || exp >= 6) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return sign + positional(digits, exp, Math.max(digits.length - exp - 1, 0));
}

/** go-toml's float in TOML text: 'f' format, float32 digits when the value is exact in float32. */
function tomlFloat(x: number): string {
  const float32 = !Number.isNaN(x) && Math.fround(x) === x;
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  if (Math.trunc(x) === x) {
    if (!Number.isFinite(x)) return x > 0 ? "+inf" : "-inf";
    return `${sign}${(x < 0 ? -BigInt(x) : BigInt(x)).toString()}.0`;
  }
  if (Number.isNaN(x)) return "nan";
  const { digits, exp } = shortestDigits(x, float32);
  return sign + positional(digits, exp, Math.max(digits.length - exp - 1, 0));
}

/** time.Time.String(): a numeric offset stands in for the name of a fixed zone. */
function formatTime(t: GoTime): string {
  const fraction = t.nanos === 0 ? "" : "." + String(t.nanos).padStart(9, "0").replace(/0+$/, "");
  const offset = numericOffset(t.offsetMinutes, "");
  return `${t.date} ${t.clock}${fraction} ${offset} ${t.offsetMinutes === 0 ? "UTC" : offset}`;
}

function numericOffset(minutes: number, separator: string): string {
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${minutes < 0 ? "-" : "+"}${hh}${separator}${mm}`;
}

/** Go's sort.Strings order: by UTF-8 bytes, which is code point order (not UTF-16 order). */
function compareGoStrings(a: string, b: string): number {
  const ac = Array.from(a, (c) => c.codePointAt(0)!);
  const bc = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(ac.length, bc.length); i++) {
    if (ac[i] !== bc[i]) return ac[i]! - bc[i]!;
  }
  return ac.length - bc.length;
}

/** Tree.String(): TOML text, plain values first, then tables, each group sorted by key. */
function treeToToml(tree: GoTomlTree, indent: string, keyspace: string): string {
  const keys = [...tree.keys()].sort(compareGoStrings);
  let out = "";
  for (const k of keys) {
    const node = tree.get(k)!;
    if (node.t === "value") out += `${indent}${quoteKeyIfNeeded(k)} = ${tomlValueText(node.v)}\n`;
  }
  for (const k of keys) {
    const node = tree.get(k)!;
    const combined = keyspace === "" ? quoteKeyIfNeeded(k) : `${keyspace}.${quoteKeyIfNeeded(k)}`;
    if (node.t === "tree") out += `\n${indent}[${combined}]\n${treeToToml(node.v, indent + "  ", combined)}`;
    if (node.t === "trees") {
      for (const sub of node.v) out += `\n${indent}[[${combined}]]\n${treeToToml(sub, indent + "  ", combined)}`;
    }
  }
  return out;
}

function tomlValueText(v: TreeValue): string {
  switch (v.t) {
    case "int64":
      return v.v.toString();
    case "float64":
      return tomlFloat(v.v);
    case "bool":
      return String(v.v);
    case "string":
      return `"${encodeTomlString(v.v)}"`;
    case "time.Time":
      // RFC 3339 without fractional seconds.
      return `${v.v.date}T${v.v.clock}${v.v.offsetMinutes === 0 ? "Z" : numericOffset(v.v.offsetMinutes, ":")}`;
    case "slice":
      return `[${v.v.map(tomlValueText).join(", ")}]`;
  }
}

const tomlEscapes: Record<string, string> = {
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\f": "\\f",
  "\r": "\\r",
  '"': '\\"',
  "\\": "\\\\",
};

// go-toml tests uint16(rune) < 0x1f: U+001F itself stays raw, and runes whose low 16 bits are below
// 0x1f (U+10000 and the like) come out as \u00XX of those bits.
function encodeTomlString(s: string): string {
  let out = "";
  for (const ch of s) {
    const escaped = tomlEscapes[ch];
    const low = ch.codePointAt(0)! & 0xffff;
    if (escaped !== undefined) out += escaped;
    else if (low < 0x1f) out += `\\u${low.toString(16).toUpperCase().padStart(4, "0")}`;
    else out += ch;
  }
  return out;
}

function quoteKeyIfNeeded(k: string): string {
  if (k.length >= 2 && k.startsWith('"') && k.endsWith('"')) return k;
  return /^[A-Za-z0-9_-]*$/.test(k) ? k : `"${encodeTomlString(k)}"`;
}
