import { describe, expect, test } from "vitest";
import { computeDigest } from "../content/store.ts";
import { uncompressedLayer } from "./layer-cache.ts";

describe("uncompressedLayer", () => {
  const tarOf = (blob: Uint8Array) => Promise.resolve(blob.map((byte) => byte ^ 0xff));

  test("the same bytes under the same digest are uncompressed once, and the diff ID is the tar's digest", async () => {
    let calls = 0;
    const counting = (blob: Uint8Array) => (calls++, tarOf(blob));
    const first = await uncompressedLayer("sha256:same", new Uint8Array([1, 2, 3]), counting);
    const second = await uncompressedLayer("sha256:same", new Uint8Array([1, 2, 3]), counting);
    expect(calls).toBe(1);
    expect(second.tar).toBe(first.tar);
    expect(first).toMatchObject({ tar: new Uint8Array([254, 253, 252]), diffId: computeDigest(new Uint8Array([254, 253, 252])) });
  });

  test("other bytes under a known digest (a restored store is not re-hashed) are uncompressed for what they are", async () => {
    await uncompressedLayer("sha256:known", new Uint8Array([1, 2, 3]), tarOf);
    expect((await uncompressedLayer("sha256:known", new Uint8Array([1, 2, 4]), tarOf)).tar).toEqual(new Uint8Array([254, 253, 251]));
    expect((await uncompressedLayer("sha256:known", new Uint8Array([1, 2]), tarOf)).tar).toEqual(new Uint8Array([254, 253]));
  });

  test("a failure is not kept", async () => {
    const failing = () => Promise.reject(new Error("gzip: invalid compressed data"));
    await expect(uncompressedLayer("sha256:bad", new Uint8Array([9]), failing)).rejects.toThrow("gzip: invalid compressed data");
    expect((await uncompressedLayer("sha256:bad", new Uint8Array([9]), tarOf)).tar).toEqual(new Uint8Array([246]));
  });

  test("it holds at most 64 MiB of tars, dropping the oldest first", async () => {
    let calls = 0;
    const big = (blob: Uint8Array) => (calls++, Promise.resolve(new Uint8Array(40 << 20).fill(blob[0]!)));
    await uncompressedLayer("sha256:old", new Uint8Array([1]), big);
    await uncompressedLayer("sha256:new", new Uint8Array([2]), big);
    await uncompressedLayer("sha256:new", new Uint8Array([2]), big);
    expect(calls).toBe(2);
    await uncompressedLayer("sha256:old", new Uint8Array([1]), big);
    expect(calls).toBe(3);
  });
});
