import http2 from "node:http2";
import net from "node:net";
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import {
  AuthorityRewriter,
  AuthorityShimError,
  isAcceptedAuthority,
  replacementAuthority,
} from "./authority-shim.ts";
import { concatBytes } from "../../node/bytes.ts";
import { encodeWithoutIndexing, HpackDecoder } from "./hpack.ts";
import { listen, rawClientExchange, recordingH2Server, tempSocketPath } from "./testing/h2-raw.ts";
import {
  clientPreface,
  frame,
  octets,
  parseFrames,
  TestHpackEncoder,
  type EncodeChoice,
  type ParsedFrame,
} from "./testing/hpack-test-encoder.ts";

const socket = tempSocketPath();
afterAll(() => socket.cleanup());

const settingsFrame = frame(0x4, 0, 0, new Uint8Array());
const request = (authority: string): [string, string][] => [
  [":method", "POST"],
  [":scheme", "http"],
  [":path", "/runtime.v1.RuntimeService/Version"],
  [":authority", authority],
  ["content-type", "application/grpc"],
  ["te", "trailers"],
];
const literalBlock = (fields: [string, string][]): Uint8Array =>
  encodeWithoutIndexing(fields.map(([name, value]) => ({ name, value, neverIndexed: false })));

describe("isAcceptedAuthority", () => {
  test("accepts exactly the :authority octets nghttp2 accepts (every octet, checked against Node)", async () => {
    const { server } = recordingH2Server();
    const path = `${socket.path}.octets`;
    await listen(server, path);
    const candidates = [
      ...Array.from({ length: 256 }, (_, b) => `a${String.fromCharCode(b)}b`),
      "",
      "localhost",
      "127.0.0.1:10010",
      "[::1]:80",
      "user@host:1",
      "x%2Fy",
      "/run/containerd/containerd.sock",
      "unix:///run/containerd/containerd.sock",
    ];
    // Node closes a session after 100 refused streams, so ask in batches.
    for (let start = 0; start < candidates.length; start += 50) {
      const batch = candidates.slice(start, start + 50);
      const streams = batch.map((_, i) => 2 * i + 1);
      const frames = batch.map((authority, i) => frame(0x1, 0x5, streams[i]!, literalBlock(request(authority))));
      const { outcomes } = await rawClientExchange(path, concatBytes([clientPreface, settingsFrame, ...frames]), streams);
      batch.forEach((authority, i) => {
        const accepted = outcomes.get(streams[i]!) === "answered";
        expect({ authority, accepted }).toEqual({ authority, accepted: isAcceptedAuthority(authority) });
      });
    }
    server.close();
  });
});

// ---- the rewriter on generated client streams ----

interface BlockSpec {
  fields: [string, string][];
  choices: EncodeChoice[];
  neverIndexed: boolean[];
  padLength: number | null;
  priority: Uint8Array | null;
  fragments: number;
  endStream: boolean;
  data: Uint8Array | null;
  tableSizeUpdate: number | null;
}

const authorityArb = fc.oneof(
  fc.constantFrom("localhost", "/run/containerd/containerd.sock", "unix:///tmp/cri.sock", "127.0.0.1:10010", ""),
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 30 }),
);
const choiceArb: fc.Arbitrary<EncodeChoice> = fc.record({
  representation: fc.constantFrom("indexed-or-incremental", "incremental", "without", "never"),
  huffman: fc.boolean(),
});
const blockArb: fc.Arbitrary<BlockSpec> = fc
  .record({
    authority: authorityArb,
    extra: fc.array(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), fc.string({ maxLength: 60 })), {
      maxLength: 4,
    }),
    choices: fc.array(choiceArb, { minLength: 10, maxLength: 10 }),
    padLength: fc.option(fc.integer({ min: 0, max: 20 })),
    priority: fc.option(fc.uint8Array({ minLength: 5, maxLength: 5 })),
    fragments: fc.integer({ min: 1, max: 3 }),
    endStream: fc.boolean(),
    data: fc.option(fc.uint8Array({ maxLength: 64 })),
    tableSizeUpdate: fc.option(fc.integer({ min: 0, max: 4096 }), { freq: 8 }),
  })
  .map(({ authority, extra, choices, ...rest }) => {
    const fields: [string, string][] = [...request(authority), ...extra];
    return {
      ...rest,
      fields,
      choices,
      neverIndexed: fields.map((_, i) => choices[i % choices.length]!.representation === "never"),
    };
  });

/** The octets a client with its own HPACK encoder would send for these blocks, one stream each. */
function clientStream(blocks: BlockSpec[]): Uint8Array {
  const encoder = new TestHpackEncoder();
  const out: Uint8Array[] = [clientPreface, settingsFrame];
  blocks.forEach((b, i) => {
    const id = 2 * i + 1;
    if (b.tableSizeUpdate !== null) encoder.setMaxSize(b.tableSizeUpdate);
    const block = encoder.encode(b.fields, (k) => b.choices[k % b.choices.length]!);
    const cut = Math.ceil(block.length / b.fragments);
    const parts = Array.from({ length: b.fragments }, (_, k) => block.subarray(k * cut, (k + 1) * cut));
    const prefix: number[] = [];
    if (b.padLength !== null) prefix.push(b.padLength);
    if (b.priority) prefix.push(...b.priority);
    const first = concatBytes([Uint8Array.from(prefix), parts[0]!, new Uint8Array(b.padLength ?? 0)]);
    const lastIsFirst = parts.length === 1;
    out.push(
      frame(
        0x1,
        (b.endStream ? 0x1 : 0) | (lastIsFirst ? 0x4 : 0) | (b.padLength !== null ? 0x8 : 0) | (b.priority ? 0x20 : 0),
        id,
        first,
      ),
    );
    parts.slice(1).forEach((p, k) => out.push(frame(0x9, k === parts.length - 2 ? 0x4 : 0, id, p)));
    if (b.data) out.push(frame(0x0, 0x1, id, b.data));
  });
  return concatBytes(out);
}

/** What a server decodes from a stream: each block's fields, and the other frames as they came. */
function serverView(stream: Uint8Array): { blocks: { fields: [string, string][]; neverIndexed: boolean[]; flags: number; priority: Uint8Array | null }[]; others: ParsedFrame[] } {
  const decoder = new HpackDecoder();
  const blocks: ReturnType<typeof serverView>["blocks"] = [];
  const others: ParsedFrame[] = [];
  let pending: ParsedFrame[] = [];
  for (const f of parseFrames(stream, true)) {
    if (f.type !== 0x1 && f.type !== 0x9) {
      others.push(f);
      continue;
    }
    pending.push(f);
    if ((f.flags & 0x4) === 0) continue;
    const [first, ...rest] = pending;
    pending = [];
    let start = 0;
    let end = first!.payload.length;
    if (first!.flags & 0x8) {
      end -= first!.payload[0]!;
      start = 1;
    }
    const priority = first!.flags & 0x20 ? first!.payload.slice(start, start + 5) : null;
    if (priority) start += 5;
    const fields = decoder.decode(concatBytes([first!.payload.subarray(start, end), ...rest.map((r) => r.payload)]));
    blocks.push({
      fields: fields.map((x) => [x.name, x.value]),
      neverIndexed: fields.map((x) => x.neverIndexed),
      flags: first!.flags & 0x21,
      priority,
    });
  }
  return { blocks, others };
}

function rewriteAll(stream: Uint8Array, cuts: number[] = []): { out: Uint8Array; rewrites: number } {
  const rewriter = new AuthorityRewriter();
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let last = 0;
  for (const p of [...points, stream.length]) {
    parts.push(...rewriter.push(stream.subarray(last, p)));
    last = p;
  }
  return { out: concatBytes(parts), rewrites: rewriter.rewrites };
}

describe("AuthorityRewriter", () => {
  test("the server decodes the client's headers with only rejected authorities replaced (1,000 runs)", () => {
    fc.assert(
      fc.property(fc.array(blockArb, { minLength: 1, maxLength: 8 }), (blocks) => {
        const input = clientStream(blocks);
        const { out } = rewriteAll(input);
        const sent = serverView(input);
        const got = serverView(out);
        expect(got.others).toEqual(sent.others);
        expect(got.blocks.map((b) => b.fields)).toEqual(
          blocks.map((b) =>
            b.fields.map(([n, v]): [string, string] => [n, n === ":authority" && !isAcceptedAuthority(v) ? replacementAuthority : v]),
          ),
        );
        expect(got.blocks.map((b) => b.neverIndexed)).toEqual(sent.blocks.map((b) => b.neverIndexed));
        expect(got.blocks.map((b) => [b.flags, b.priority])).toEqual(sent.blocks.map((b) => [b.flags, b.priority]));
      }),
      { numRuns: 1000 },
    );
  });

  test("forwards a current client's octets unchanged, and never rewrites them (1,000 runs)", () => {
    const currentBlock = blockArb.map((b) => ({
      ...b,
      fields: b.fields.map(([n, v]): [string, string] => [n, n === ":authority" ? "localhost" : v]),
    }));
    fc.assert(
      fc.property(fc.array(currentBlock, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (blocks, cuts) => {
        const input = clientStream(blocks);
        const { out, rewrites } = rewriteAll(input, cuts);
        expect(rewrites).toBe(0);
        expect(out).toEqual(input);
      }),
      { numRuns: 1000 },
    );
  });

  test("gives the same octets however the input is split into chunks (1,000 runs)", () => {
    fc.assert(
      fc.property(fc.array(blockArb, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 20 }), (blocks, cuts) => {
        const input = clientStream(blocks);
        expect(rewriteAll(input, cuts).out).toEqual(rewriteAll(input).out);
      }),
      { numRuns: 1000 },
    );
  });

  test("re-splits a rewritten block larger than a frame into HEADERS and CONTINUATION", () => {
    const fields: [string, string][] = [...request("/run/x.sock"), ["x-big", "v".repeat(40000)]];
    const input = concatBytes([clientPreface, settingsFrame, frame(0x1, 0x5, 1, literalBlock(fields))]);
    const { out, rewrites } = rewriteAll(input);
    expect(rewrites).toBe(1);
    const frames = parseFrames(out, true);
    expect(frames.map((f) => [f.type, f.flags, f.payload.length <= 16384])).toEqual([
      [0x4, 0, true],
      [0x1, 0x1, true],
      [0x9, 0, true],
      [0x9, 0x4, true],
    ]);
    expect(serverView(out).blocks[0]!.fields[3]).toEqual([":authority", "localhost"]);
  });

  test("passes anything that is not HTTP/2 through untouched", () => {
    const http1 = octets("GET / HTTP/1.1\r\nHost: /run/x.sock\r\n\r\n");
    expect(rewriteAll(http1, [3, 10]).out).toEqual(http1);
    const almost = octets("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\nmore");
    expect(rewriteAll(almost, [20]).out).toEqual(almost);
  });

  test("leaves an undecodable block to the server while nothing was rewritten", () => {
    const bad = frame(0x1, 0x5, 1, Uint8Array.of(0x80)); // index 0
    const after = frame(0x1, 0x5, 3, literalBlock(request("/run/x.sock")));
    const input = concatBytes([clientPreface, settingsFrame, bad, after]);
    const { out, rewrites } = rewriteAll(input);
    expect(rewrites).toBe(0);
    expect(out).toEqual(input);
  });

  test("leaves a stray CONTINUATION and an interrupted block to the server", () => {
    const stray = concatBytes([clientPreface, settingsFrame, frame(0x9, 0x4, 1, literalBlock(request("/x")))]);
    expect(rewriteAll(stray).out).toEqual(stray);
    const interrupted = concatBytes([
      clientPreface,
      settingsFrame,
      frame(0x1, 0x0, 1, literalBlock(request("/x"))),
      frame(0x0, 0x1, 1, Uint8Array.of(1, 2, 3)),
    ]);
    expect(rewriteAll(interrupted, [40]).out).toEqual(interrupted);
  });

  test("fails the connection when a block cannot be decoded after a rewrite", () => {
    const rewriter = new AuthorityRewriter();
    rewriter.push(concatBytes([clientPreface, settingsFrame, frame(0x1, 0x5, 1, literalBlock(request("/x")))]));
    expect(rewriter.rewrites).toBe(1);
    expect(() => rewriter.push(frame(0x1, 0x5, 3, Uint8Array.of(0x80)))).toThrow(AuthorityShimError);
  });
});

describe("AuthorityRewriter between Node's HTTP/2 client and server", () => {
  test("requests with a socket path as :authority arrive as localhost, all other headers intact (25 runs)", async () => {
    const { server, received } = recordingH2Server();
    const inner = `${socket.path}.inner`;
    const front = `${socket.path}.front`;
    await listen(server, inner);
    const rewriters: AuthorityRewriter[] = [];
    const shim = net.createServer((client) => {
      const upstream = net.connect(inner);
      const rewriter = new AuthorityRewriter();
      rewriters.push(rewriter);
      client.on("data", (chunk) => {
        for (const part of rewriter.push(chunk)) upstream.write(part);
      });
      upstream.pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await listen(shim, front);

    const headerArb = fc.dictionary(
      fc.stringMatching(/^x-[a-z0-9-]{1,10}$/),
      fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 }),
      { maxKeys: 6 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(headerArb, { minLength: 1, maxLength: 12 }), fc.constantFrom(front, `unix://${front}`), async (requests, authority) => {
        received.clear();
        const client = http2.connect("http://localhost", { createConnection: () => net.connect(front) });
        const ids: number[] = [];
        await Promise.all(
          requests.map(
            (headers) =>
              new Promise<void>((resolve, reject) => {
                const req = client.request({ ":path": "/p", ":authority": authority, ...headers }, { endStream: true });
                req.on("response", () => ids.push(req.id!));
                req.on("error", reject);
                req.on("close", () => (req.rstCode ? reject(new Error(`reset ${req.rstCode}`)) : resolve()));
                req.resume();
              }),
          ),
        );
        client.close();
        expect(received.size).toBe(requests.length);
        requests.forEach((headers, i) => {
          const got = received.get(2 * i + 1)!;
          expect(got.find(([n]) => n === ":authority")).toEqual([":authority", "localhost"]);
          expect(got.filter(([n]) => n.startsWith("x-"))).toEqual(Object.entries(headers));
        });
      }),
      { numRuns: 25 },
    );
    expect(rewriters.every((r) => r.rewrites > 0)).toBe(true);
    shim.close();
    server.close();
  });
});
