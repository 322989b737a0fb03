import { describe, expect, test } from "vitest";
import { decodeGrpcMessage, encodeGrpcMessage, grpcTimeoutMs } from "./grpc-headers.ts";

describe("grpc-timeout", () => {
  test.each([
    ["1999967u", 1999.967],
    ["2S", 2000],
    ["100m", 100],
    ["1M", 60_000],
    ["1H", 3_600_000],
    ["5000000n", 5],
  ])("%s is %d ms", (value, ms) => expect(grpcTimeoutMs(value)).toBeCloseTo(ms, 6));

  test.each([[undefined], ["12"], ["123456789S"], ["1s"], [["1S", "2S"]]])("%j is no deadline", (value) => {
    expect(grpcTimeoutMs(value)).toBeUndefined();
  });
});

describe("grpc-message", () => {
  test("percent-encodes % and octets outside space..~, UTF-8 first, and decodes back", () => {
    const message = 'container "100%" not found:\nü';
    const encoded = encodeGrpcMessage(message);
    expect(encoded).toBe('container "100%25" not found:%0A%C3%BC');
    expect(decodeGrpcMessage(encoded)).toBe(message);
  });

  test("a malformed escape is kept as it is", () => {
    expect(decodeGrpcMessage("50% off %zz")).toBe("50% off %zz");
  });
});
