import { describe, expect, test } from "vitest";
import { ContentStore, computeDigest } from "./store.ts";
import { rejection, testContext, text } from "./test-support.ts";
import { refKey } from "./ref.ts";
import { parseFilters } from "../filters.ts";

const hello = text("hello");
const helloDigest = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

function setup() {
  const { ctx, events, clock } = testContext();
  return { store: new ContentStore(ctx, "k8s.io"), events, ctx, clock };
}

describe("content store", () => {
  test("computes sha256 digests", () => {
    expect(computeDigest(hello)).toBe(helloDigest);
  });

  test("write stores the blob under its digest with labels and times", async () => {
    const { store, clock } = setup();
    const start = clock.peek();
    const info = await store.write(hello, { digest: helloDigest, size: 5 }, { labels: { a: "1", empty: "" } });
    expect(info).toEqual({ digest: helloDigest, size: 5, createdAt: start, updatedAt: start, labels: { a: "1" } });
    expect(await store.read(helloDigest)).toEqual(hello);
    expect(await store.info(helloDigest)).toEqual(info);
  });

  test("write without an expectation commits under the computed digest", async () => {
    const { store } = setup();
    expect((await store.write(hello)).digest).toBe(helloDigest);
  });

  test("a writer for an existing digest is refused", async () => {
    const { store } = setup();
    await store.write(hello, { digest: helloDigest });
    const err = await rejection(store.write(hello, { digest: helloDigest }));
    expect(err.kind).toBe("already exists");
    expect(err.message).toBe(`content ${helloDigest}: already exists`);
  });

  test("committing existing bytes without an expected digest reports already exists", async () => {
    const { store } = setup();
    await store.write(hello);
    expect((await rejection(store.write(hello))).message).toBe(`content ${helloDigest}: already exists`);
  });

  test("a digest mismatch is a failed precondition and leaves nothing behind", async () => {
    const { store } = setup();
    const wrong = computeDigest(text("other"));
    const err = await rejection(store.write(hello, { digest: wrong }));
    expect(err.kind).toBe("failed precondition");
    expect(err.message).toBe(`unexpected commit digest ${helloDigest}, expected ${wrong}: failed precondition`);
    expect(await store.list()).toEqual([]);
  });

  test("a size mismatch names the ingest ref", async () => {
    const { store } = setup();
    const err = await rejection(
      store.write(hello, { digest: helloDigest, size: 6, mediaType: "application/vnd.oci.image.layer.v1.tar" }),
    );
    expect(err.kind).toBe("failed precondition");
    expect(err.message).toBe(`"layer-${helloDigest}" failed size validation: 5 != 6: failed precondition`);
    expect((await rejection(store.write(hello, { size: 4 }, { ref: "my-ref" }))).message).toBe(
      `"my-ref" failed size validation: 5 != 4: failed precondition`,
    );
  });

  test("an empty ref is an invalid argument", async () => {
    const { store } = setup();
    const err = await rejection(store.write(hello, {}, { ref: "" }));
    expect(err.message).toBe("ref must not be empty: invalid argument");
    expect(err.kind).toBe("invalid argument");
  });

  test("labels over 4096 bytes are refused", async () => {
    const { store } = setup();
    const err = await rejection(store.write(hello, {}, { labels: { "containerd.io/x": "v".repeat(4090) } }));
    expect(err.kind).toBe("invalid argument");
    expect(err.message).toBe(
      "info.Labels: label key and value greater than maximum size (4096 bytes), key: containerd: invalid argument",
    );
    expect(await store.list()).toEqual([]);
  });

  test("ref keys follow the media type like containerd's fetcher", () => {
    expect(refKey({ digest: "sha256:x", mediaType: "application/vnd.oci.image.manifest.v1+json" })).toBe("manifest-sha256:x");
    expect(refKey({ digest: "sha256:x", mediaType: "application/vnd.docker.distribution.manifest.list.v2+json" })).toBe("index-sha256:x");
    expect(refKey({ digest: "sha256:x", mediaType: "application/vnd.oci.image.config.v1+json" })).toBe("config-sha256:x");
    expect(refKey({ digest: "sha256:x", mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip" })).toBe("layer-sha256:x");
    expect(refKey({ digest: "sha256:x", mediaType: "text/plain" })).toBe("unknown-sha256:x");
    expect(
      refKey({ digest: "sha256:x", mediaType: "text/plain", annotations: { "org.opencontainers.image.ref.name": "v1" } }),
    ).toBe("unknown-v1@sha256:x");
  });

  test("read returns a copy", async () => {
    const { store } = setup();
    await store.write(hello);
    const bytes = await store.read(helloDigest);
    bytes[0] = 0;
    expect(await store.read(helloDigest)).toEqual(hello);
  });

  test("info, read, update and delete of a missing digest are not found", async () => {
    const { store } = setup();
    const expected = `content digest ${helloDigest}: not found`;
    for (const call of [
      store.info(helloDigest),
      store.read(helloDigest),
      store.delete(helloDigest),
      store.update({ digest: helloDigest, labels: {} }),
    ]) {
      const err = await rejection(call);
      expect(err.kind).toBe("not found");
      expect(err.message).toBe(expected);
    }
  });

  test("update sets single labels, replaces all, or refuses other fields", async () => {
    const { store, clock } = setup();
    await store.write(hello, {}, { labels: { a: "1", b: "2" } });
    const before = clock.peek();
    let info = await store.update({ digest: helloDigest, labels: { b: "3", c: "9" } }, "labels.b");
    expect(info.labels).toEqual({ a: "1", b: "3" });
    expect(info.updatedAt).toBeGreaterThanOrEqual(before);
    info = await store.update({ digest: helloDigest, labels: {} }, "labels.a");
    expect(info.labels).toEqual({ b: "3" });
    info = await store.update({ digest: helloDigest, labels: { z: "1" } }, "labels");
    expect(info.labels).toEqual({ z: "1" });
    info = await store.update({ digest: helloDigest, labels: { y: "2" } });
    expect(info.labels).toEqual({ y: "2" });
    const err = await rejection(store.update({ digest: helloDigest }, "size"));
    expect(err.kind).toBe("invalid argument");
    expect(err.message).toBe(`cannot update "size" field on content info "${helloDigest}": invalid argument`);
    const big = await rejection(store.update({ digest: helloDigest, labels: { k: "v".repeat(5000) } }, "labels.k"));
    expect(big.message).toBe("info.Labels: label key and value greater than maximum size (4096 bytes), key: k: invalid argument");
    expect((await store.info(helloDigest)).labels).toEqual({ y: "2" });
  });

  test("delete removes the blob and publishes /content/delete", async () => {
    const { store, events } = setup();
    await store.write(hello);
    await store.delete(helloDigest);
    expect(await store.list()).toEqual([]);
    expect(events).toEqual([{ namespace: "k8s.io", topic: "/content/delete", event: { digest: helloDigest } }]);
  });

  test("list and walk go in digest order and filter through containerd's fields", async () => {
    const { store } = setup();
    const blobs = ["a", "b", "c", "d"].map(text);
    for (const [i, b] of blobs.entries()) await store.write(b, {}, { labels: { n: String(i % 2) } });
    const digests = blobs.map(computeDigest).sort();
    expect((await store.list()).map((i) => i.digest)).toEqual(digests);
    const odd = await store.list(parseFilters(['labels."n"==1']));
    expect(odd.map((i) => i.digest)).toEqual([computeDigest(text("b")), computeDigest(text("d"))].sort());
    expect((await store.list(parseFilters([`digest==${digests[0]}`]))).length).toBe(1);
    expect((await store.list(parseFilters(["size"]))).length).toBe(0);
    expect((await store.list({ match: (o) => o.field(["labels", "n"]) === "0" })).length).toBe(2);
    const walked: string[] = [];
    await store.walk((info) => {
      walked.push(info.digest);
    });
    expect(walked).toEqual(digests);
  });

  test("operations pass through faults", async () => {
    const { store, ctx } = setup();
    ctx.operations.injectFault({ op: "content.write", error: { kind: "unavailable", message: "disk on fire" } });
    const err = await rejection(store.write(hello));
    expect(err.kind).toBe("unavailable");
    expect(err.message).toBe("disk on fire");
  });

  test("state round-trips", async () => {
    const { store, ctx } = setup();
    await store.write(hello, {}, { labels: { a: "1" } });
    await store.write(new Uint8Array([0, 255, 1, 128]));
    const restored = ContentStore.fromState(ctx, "k8s.io", JSON.parse(JSON.stringify(store.toState())));
    expect(await restored.list()).toEqual(await store.list());
    expect(await restored.read(computeDigest(new Uint8Array([0, 255, 1, 128])))).toEqual(new Uint8Array([0, 255, 1, 128]));
  });
});

describe("decoded reads", () => {
  test("a blob is decoded once, and every reader gets the same frozen document", async () => {
    const { store } = setup();
    await store.write(text('{"a":{"b":[1]}}'));
    const digest = computeDigest(text('{"a":{"b":[1]}}'));
    let decodes = 0;
    const decode = (bytes: Uint8Array) => {
      decodes++;
      return JSON.parse(new TextDecoder().decode(bytes)) as { a: { b: number[] } };
    };
    const first = await store.readDecoded(digest, decode);
    const second = await store.readDecoded(digest, decode);
    expect(second).toBe(first);
    expect(decodes).toBe(1);
    expect(Object.isFrozen(first.a.b)).toBe(true);
  });

  test("a decoded read is a read: faults fail it, a missing blob is not found", async () => {
    const { store, ctx } = setup();
    await store.write(hello);
    ctx.operations.injectFault({ op: "content.read", times: 1, error: { kind: "unavailable", message: "boom" } });
    expect((await rejection(store.readDecoded(helloDigest, (b) => b.length))).message).toBe("boom");
    expect(await store.readDecoded(helloDigest, (b) => b.length)).toBe(5);
    await store.delete(helloDigest);
    expect((await rejection(store.readDecoded(helloDigest, (b) => b.length))).kind).toBe("not found");
  });

  test("a decoder that throws is tried again on the next read", async () => {
    const { store } = setup();
    await store.write(hello);
    let calls = 0;
    const decode = () => {
      calls++;
      throw new Error("not a document");
    };
    await expect(store.readDecoded(helloDigest, decode)).rejects.toThrow("not a document");
    await expect(store.readDecoded(helloDigest, decode)).rejects.toThrow("not a document");
    expect(calls).toBe(2);
  });
});
