import { describe, expect, test } from "vitest";
import { RUNC_V2_OPTIONS_URL, RUNTIME_OPTIONS_V1_URL, type RuntimeOptions } from "./toml-options.ts";
import { ProtoDecodeError, TypeUrlNotFoundError, marshalAny, typeUrlOf, unmarshalAny } from "./typeurl.ts";
import { getRuntimeOptionsType } from "../cri/helpers/runtime-options.ts";

const bytes = (...b: number[]) => Uint8Array.from(b);

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (e) {
    if (e instanceof Error) return e;
  }
  throw new Error("expected an error");
}

describe("marshalAny", () => {
  test("writes non-zero fields in field order, then the unknown fields gogo kept", () => {
    const options = getRuntimeOptionsType("io.containerd.runc.v2");
    Object.assign(options.message, { systemdCgroup: true, noPivotRoot: true, binaryName: "" });
    options.unrecognized = bytes(0xa0, 0x06, 0x01);
    options.sizeCache = 9;
    expect(marshalAny(options)).toEqual({ typeUrl: RUNC_V2_OPTIONS_URL, value: bytes(0x08, 0x01, 0x48, 0x01, 0xa0, 0x06, 0x01) });
  });

  test("the type URL is proto.MessageName, without a prefix", () => {
    expect(typeUrlOf(getRuntimeOptionsType("io.containerd.kata.v2"))).toBe(RUNTIME_OPTIONS_V1_URL);
  });
});

describe("unmarshalAny", () => {
  test("an unknown type URL is typeurl's not-found error", () => {
    const err = errorOf(() => unmarshalAny({ typeUrl: "type.googleapis.com/containerd.runc.v1.Options", value: bytes() }));
    expect(err).toBeInstanceOf(TypeUrlNotFoundError);
    expect(err.message).toBe("type with url type.googleapis.com/containerd.runc.v1.Options: not found");
  });

  test.each([
    [[0x08], "unexpected EOF"],
    [[0x00], "proto: Options: illegal tag 0 (wire type 0)"],
    [[0x0c], "proto: Options: wiretype end group for non-group"],
    [[0x0a, 0x00], "proto: wrong wireType = 2 for field NoPivotRoot"],
    [[0x32, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], "proto: negative length found during unmarshaling"],
    [[0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], "proto: integer overflow"],
    [[0xa6, 0x06], "proto: illegal wireType 6"],
  ])("bad bytes %j give gogo's error", (value, message) => {
    const err = errorOf(() => unmarshalAny({ typeUrl: RUNC_V2_OPTIONS_URL, value: Uint8Array.from(value) }));
    expect(err).toBeInstanceOf(ProtoDecodeError);
    expect(err.message).toBe(message);
  });

  test("integers wrap as Go's do: the field number to int32, uint32 fields to 32 bits", () => {
    // Field number 2^32 + 4 reads as field 4 (IoUid); the value 2^32 + 5 keeps its low 32 bits.
    const tag = [0xa0, 0x80, 0x80, 0x80, 0x80, 0x02];
    const value = [0x85, 0x80, 0x80, 0x80, 0x10];
    const options = unmarshalAny({ typeUrl: RUNC_V2_OPTIONS_URL, value: Uint8Array.from([...tag, ...value]) });
    expect(options.message).toMatchObject({ ioUid: 5 });
  });

  test("unknown fields are kept where the struct has XXX_unrecognized, dropped where it has not", () => {
    // A group (field 100) holding a varint, between two known fields.
    const group = [0xa3, 0x06, 0x08, 0x01, 0xa4, 0x06];
    const kept: RuntimeOptions = unmarshalAny({ typeUrl: RUNC_V2_OPTIONS_URL, value: bytes(0x08, 0x01, ...group, 0x10, 0x01) });
    expect(kept.message).toMatchObject({ noPivotRoot: true, noNewKeyring: true });
    expect(kept.unrecognized).toEqual(Uint8Array.from(group));
    const dropped = unmarshalAny({ typeUrl: RUNTIME_OPTIONS_V1_URL, value: bytes(0x0a, 0x01, 0x61, ...group) });
    expect(dropped).toEqual({ typeUrl: RUNTIME_OPTIONS_V1_URL, message: { typeUrl: "a", configPath: "" } });
  });

  test("a leading byte order mark stays in the string, as Go keeps it", () => {
    const options = unmarshalAny({ typeUrl: RUNTIME_OPTIONS_V1_URL, value: bytes(0x0a, 0x03, 0xef, 0xbb, 0xbf) });
    expect(options.message).toMatchObject({ typeUrl: "\ufeff" });
  });
});
