import { parse } from "smol-toml";
import { describe, expect, test } from "vitest";
import {
  GoPanicError,
  type RuntimeOptions,
  TomlDecodeError,
  TomlInputError,
  TomlTreeError,
  fieldKeyCandidates,
  formatFloatV,
  treeFromMap,
  unmarshalTree,
} from "./toml-options.ts";
import { getRuntimeOptionsType } from "../cri/helpers/runtime-options.ts";

/** Decodes an [options] body into the options of a runtime type, as containerd would. */
function decode(body: string, runtimeType = "io.containerd.runc.v2"): RuntimeOptions {
  const table = parse(body, { integersAsBigInt: true });
  const options = getRuntimeOptionsType(runtimeType);
  unmarshalTree(treeFromMap(table), options);
  return options;
}

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (e) {
    if (e instanceof Error) return e;
  }
  throw new Error("expected an error");
}

describe("key matching", () => {
  test("go-toml tries the Go name, lower case, upper case, then a lower-case first letter", () => {
    expect(fieldKeyCandidates("BinaryName")).toEqual(["BinaryName", "binaryname", "BINARYNAME", "binaryName"]);
    expect(fieldKeyCandidates("GPUVHDPath")).toEqual(["GPUVHDPath", "gpuvhdpath", "GPUVHDPATH", "gPUVHDPath"]);
  });

  test("the first candidate present wins, whatever the table order", () => {
    expect(decode('binaryName = "c"\nBINARYNAME = "b"\nbinaryname = "a"').message).toMatchObject({ binaryName: "a" });
  });

  test("snake_case and other spellings match nothing and are ignored", () => {
    expect(decode('binary_name = "x"\nBinaryname = "y"\n"BinaryName " = "z"').message).toMatchObject({ binaryName: "" });
  });

  test("the XXX_ fields are exported, so config can set them", () => {
    const options = decode("XXX_unrecognized = [8, 1]\nxxx_sizecache = 3\nXXX_NoUnkeyedLiteral = {}");
    expect(options.unrecognized).toEqual(Uint8Array.of(8, 1));
    expect(options.sizeCache).toBe(3);
  });
});

describe("conversions", () => {
  test.each([
    ["IoUid = -1", "(0, 0): -1(int64) is negative so does not fit in uint32"],
    ["IoUid = 4294967296", "(0, 0): 4294967296(int64) would overflow uint32"],
    ["IoUid = 1.0", "(0, 0): Can't convert 1(float64) to uint32"],
    ['NoPivotRoot = "true"', "(0, 0): Can't convert true(string) to bool"],
    ["BinaryName = 1", "(0, 0): Can't convert 1(int64) to string"],
    ["BinaryName = [1, 2]", "(0, 0): Can't convert [1 2]([]int64) to string"],
    ["BinaryName = []", "(0, 0): Can't convert []([]interface {}) to a slice"],
    ["BinaryName = 1979-05-27T07:32:00.5+05:30", "(0, 0): Can't convert 1979-05-27 07:32:00.5 +0530 +0530(time.Time) to string"],
    ["XXX_unrecognized = [256]", "(0, 0): 256(int64) would overflow uint8"],
    ["XXX_NoUnkeyedLiteral = 5", "(0, 0): Can't convert 5(int64) to struct {}"],
  ])("%s", (body, message) => {
    const err = errorOf(() => decode(body));
    expect(err).toBeInstanceOf(TomlDecodeError);
    expect(err.message).toBe(message);
  });

  test("an enum field names its Go type in the error", () => {
    expect(errorOf(() => decode("DebugType = 2147483648", "io.containerd.runhcs.v1")).message).toBe(
      "(0, 0): 2147483648(int64) would overflow options.Options_DebugType",
    );
  });

  test("a table given to a plain field prints as TOML text, plain values first, keys sorted by bytes", () => {
    expect(errorOf(() => decode('BinaryName = { z = 1.5, "é" = 2, a = { b = [0.5] }, "\uff01" = 3, "😀" = 4 }')).message).toBe(
      '(0, 0): Can\'t convert z = 1.5\n"é" = 2\n"！" = 3\n"😀" = 4\n\n[a]\n  b = [0.5]\n(*toml.Tree) to a tree',
    );
  });

  test("local dates and times become their text; fields before a failing one stay set", () => {
    const options = getRuntimeOptionsType("io.containerd.runc.v2");
    const table = parse("Root = 1979-05-27T07:32:00\nIoGid = -1\nShimCgroup = 07:32:00.5", { integersAsBigInt: true });
    expect(() => unmarshalTree(treeFromMap(table), options)).toThrow(TomlDecodeError);
    // Struct order decides: ShimCgroup (3) is set, IoGid (5) fails, Root (7) is never reached.
    expect(options.message).toMatchObject({ shimCgroup: "07:32:00.500000000", root: "" });
    expect(decode("Root = 1979-05-27T07:32:00").message).toMatchObject({ root: "1979-05-27T07:32:00" });
  });
});

describe("TreeFromMap", () => {
  test("a table inside an array of values is refused", () => {
    const err = errorOf(() => treeFromMap(parse("a = [[1], [2, { b = 1 }]]", { integersAsBigInt: true })));
    expect(err).toBeInstanceOf(TomlTreeError);
    expect(err.message).toBe("cannot convert type map[string]interface {} to Tree");
  });

  test("mixed arrays make Go panic", () => {
    const mixed = errorOf(() => treeFromMap(parse('a = [1, "x"]', { integersAsBigInt: true })));
    expect(mixed).toBeInstanceOf(GoPanicError);
    expect(mixed.message).toBe("panic: reflect.Set: value of type string is not assignable to type int64");
    expect(errorOf(() => treeFromMap(parse("a = [{ b = 1 }, 2]", { integersAsBigInt: true }))).message).toBe(
      "panic: interface conversion: interface {} is *toml.tomlValue, not *toml.Tree",
    );
  });

  test("an integer go-toml could not have parsed is refused up front", () => {
    expect(errorOf(() => treeFromMap({ a: 2n ** 63n }))).toBeInstanceOf(TomlInputError);
  });
});

test("formatFloatV prints floats as Go's %v", () => {
  expect([1e6, 123456, 1234567, 1e-4, 1e-5, 0.1, -0, 5e-324, Infinity, -Infinity, NaN].map(formatFloatV)).toEqual([
    "1e+06",
    "123456",
    "1.234567e+06",
    "0.0001",
    "1e-05",
    "0.1",
    "-0",
    "5e-324",
    "+Inf",
    "-Inf",
    "NaN",
  ]);
});
