import http2 from "node:http2";
import net from "node:net";
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import { concatBytes } from "../../node/bytes.ts";
import { huffmanCode, huffmanCodeLength, huffmanDecode } from "./hpack-huffman.ts";
import { encodeWithoutIndexing, HpackDecoder, HpackError, type HeaderField } from "./hpack.ts";
import { listen, rawClientExchange, recordingH2Server, recordingRawServer, tempSocketPath } from "./testing/h2-raw.ts";
import {
  clientPreface,
  frame,
  huffmanEncode,
  TestHpackEncoder,
  type EncodeChoice,
} from "./testing/hpack-test-encoder.ts";
import { rfc7541Series, rfc7541Single } from "./testing/hpack-rfc7541-vectors.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
const pairs = (fields: HeaderField[]): [string, string][] => fields.map((f) => [f.name, f.value]);
const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : String.fromCharCode(...bytes));

describe("Huffman code (RFC 7541 Appendix B)", () => {
  test("is a complete prefix code over 257 symbols", () => {
    let kraft = 0;
    for (let s = 0; s <= 256; s++) kraft += 2 ** -huffmanCodeLength[s]!;
    expect(kraft).toBe(1);
    expect(huffmanCode[256]).toBe(0x3fffffff);
    expect(huffmanCodeLength[256]).toBe(30);
  });

  test("decodes the RFC's examples", () => {
    expect(text(huffmanDecode(hex("f1e3c2e5f23a6ba0ab90f4ff")))).toBe("www.example.com");
    expect(text(huffmanDecode(hex("a8eb10649cbf")))).toBe("no-cache");
    expect(text(huffmanDecode(hex("6402")))).toBe("302");
    expect(text(huffmanDecode(hex("d07abe941054d444a8200595040b8166e082a62d1bff")))).toBe(
      "Mon, 21 Oct 2013 20:13:21 GMT",
    );
    expect(text(huffmanDecode(new Uint8Array()))).toBe("");
  });

  test("rejects an EOS symbol, padding of 8 bits or more, and padding that is not all 1s", () => {
    expect(huffmanDecode(hex("ffffffff"))).toBeNull(); // 30 ones: EOS
    expect(huffmanDecode(hex("ff"))).toBeNull(); // 8 bits of padding
    expect(huffmanDecode(hex("1fff"))).toBeNull(); // "a" (00011) then 11 bits of 1s
    expect(huffmanDecode(hex("1e"))).toBeNull(); // "a" then padding 110
    expect(text(huffmanDecode(hex("1f")))).toBe("a"); // "a" then padding 111
    expect(text(huffmanDecode(hex("07")))).toBe("0"); // "0" (00000) then padding 111
  });

  test("round-trips every octet string (2,000 runs)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (raw) => {
        expect(huffmanDecode(huffmanEncode(raw))).toEqual(raw);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("HpackDecoder", () => {
  test.each(rfc7541Single)("$name", ({ hex: block, headers, tableSize }) => {
    const decoder = new HpackDecoder();
    expect(pairs(decoder.decode(hex(block)))).toEqual(headers);
    expect(decoder.dynamicTable.size).toBe(tableSize);
  });

  test("C.2.3 keeps the never-indexed flag", () => {
    expect(new HpackDecoder().decode(hex("100870617373776f726406736563726574"))[0]!.neverIndexed).toBe(true);
  });

  test.each(rfc7541Series)("$name", ({ maxTableSize, steps }) => {
    const decoder = new HpackDecoder(maxTableSize);
    for (const step of steps) {
      expect(pairs(decoder.decode(hex(step.hex)))).toEqual(step.headers);
      expect(decoder.dynamicTable.entries).toEqual(step.table);
      expect(decoder.dynamicTable.size).toBe(step.tableSize);
    }
  });

  test("knows the whole static table (61 entries)", () => {
    const decoder = new HpackDecoder();
    expect(pairs(decoder.decode(hex("bd")))).toEqual([["www-authenticate", ""]]);
    expect(pairs(decoder.decode(hex("bb")))).toEqual([["vary", ""]]);
    expect(() => decoder.decode(hex("be"))).toThrow("hpack: index 62 is beyond the dynamic table");
  });

  test.each([
    ["index 0", "80", "hpack: index 0 is not valid"],
    ["truncated integer", "ff", "hpack: truncated integer"],
    ["integer beyond 32 bits", "ff8080808080808001", "hpack: integer overflow"],
    ["integer of 2^32", "ff81ffffff0f", "hpack: integer overflow"],
    ["index of 2^32 - 1", "ff80ffffff0f", "hpack: index 4294967295 is beyond the dynamic table"],
    ["truncated string", "4005616263", "hpack: truncated string literal"],
    ["missing value", "400161", "hpack: truncated string literal"],
    ["size update above the limit", "3fe21f", "hpack: dynamic table size update to 4097 exceeds 4096"],
    ["size update after a field", "8220", "hpack: dynamic table size update after a header field"],
    ["EOS in a Huffman string", "0081ff84ffffffff", "hpack: invalid Huffman-coded string"],
  ])("rejects %s", (_name, block, message) => {
    expect(() => new HpackDecoder().decode(hex(block))).toThrow(new HpackError(message.slice(7)));
  });

  test("size updates shrink and evict; an entry larger than the table empties it", () => {
    const encoder = new TestHpackEncoder();
    const decoder = new HpackDecoder();
    const incremental = (): EncodeChoice => ({ representation: "incremental", huffman: false });
    decoder.decode(encoder.encode([["a", "1"], ["b", "2"], ["c", "3"]], incremental));
    expect(decoder.dynamicTable.entries).toEqual([["c", "3"], ["b", "2"], ["a", "1"]]);
    encoder.setMaxSize(70);
    decoder.decode(encoder.encode([], incremental));
    expect(decoder.dynamicTable).toEqual({ entries: [["c", "3"], ["b", "2"]], size: 68 });
    decoder.decode(encoder.encode([["big", "x".repeat(100)]], incremental));
    expect(decoder.dynamicTable).toEqual({ entries: [], size: 0 });
  });

  test("decodes what any encoder choices produce, block after block (1,000 runs)", () => {
    const name = fc.stringMatching(/^[a-z0-9:-]{1,12}$/);
    const value = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 });
    const choice = fc.record({
      representation: fc.constantFrom("indexed-or-incremental", "incremental", "without", "never") as fc.Arbitrary<
        EncodeChoice["representation"]
      >,
      huffman: fc.boolean(),
    });
    const block = fc.array(fc.tuple(name, value, choice), { maxLength: 12 });
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 4096 }), (blocks, size) => {
        const encoder = new TestHpackEncoder();
        const decoder = new HpackDecoder();
        encoder.setMaxSize(size);
        for (const fields of blocks) {
          const decoded = decoder.decode(encoder.encode(fields.map(([n, v]) => [n, v]), (i) => fields[i]![2]));
          expect(pairs(decoded)).toEqual(fields.map(([n, v]) => [n, v]));
          expect(decoded.map((f) => f.neverIndexed)).toEqual(fields.map(([, , c]) => c.representation === "never"));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("encodeWithoutIndexing", () => {
  test("leaves the decoder's dynamic table empty and decodes back (1,000 runs)", () => {
    const field = fc.record({
      name: fc.oneof(fc.constantFrom(":method", ":path", ":authority", "te", "content-type"), fc.stringMatching(/^[a-z-]{1,20}$/)),
      value: fc.oneof(fc.constantFrom("POST", "GET", "/", "http"), fc.string({ maxLength: 300 }).map((s) => s.replace(/[^\x00-\xff]/g, "x"))),
      neverIndexed: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(field, { maxLength: 20 }), (fields) => {
        const decoder = new HpackDecoder();
        expect(decoder.decode(encodeWithoutIndexing(fields))).toEqual(fields);
        expect(decoder.dynamicTable.size).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });

  test("uses static indices for whole fields and names", () => {
    const block = encodeWithoutIndexing([
      { name: ":method", value: "POST", neverIndexed: false },
      { name: ":authority", value: "localhost", neverIndexed: false },
      { name: "x", value: "y", neverIndexed: true },
    ]);
    expect(Buffer.from(block).toString("hex")).toBe("83" + "01096c6f63616c686f7374" + "1001780179");
  });
});

describe("interoperates with nghttp2 (Node's HTTP/2)", () => {
  const socket = tempSocketPath();
  afterAll(() => socket.cleanup());

  test("decodes the header blocks Node's client encodes, dynamic table and Huffman included", async () => {
    const requests = Array.from({ length: 40 }, (_, i) => ({
      ":path": `/svc/Method${i % 7}`,
      "x-repeated": "same value every time",
      "x-varying": `value ${i} ${"é".repeat(i % 5)}`,
      "x-large": "L".repeat(i % 3 === 0 ? 1500 : 10),
    }));
    const { server, frames } = recordingRawServer((f) => f.filter((x) => x.type === 0x1).length >= requests.length);
    const path = `${socket.path}.raw`;
    await listen(server, path);
    const client = http2.connect("http://localhost", { createConnection: () => net.connect(path) });
    client.on("error", () => undefined);
    for (const headers of requests) client.request(headers, { endStream: true }).on("error", () => undefined);
    const decoder = new HpackDecoder();
    const blocks = (await frames).filter((f) => f.type === 0x1);
    client.destroy();
    server.close();
    blocks.forEach((f, i) => {
      const got = pairs(decoder.decode(f.payload));
      const want = requests[i]!;
      expect(got.filter(([n]) => n.startsWith("x-") || n === ":path")).toEqual(
        Object.entries(want).map(([n, v]) => [n, Buffer.from(v, "latin1").toString("latin1")]),
      );
    });
    expect(decoder.dynamicTable.entries.length).toBeGreaterThan(0);
  });

  test("Node's server decodes our literal blocks and the test encoder's Huffman and indexed blocks", async () => {
    const { server, received } = recordingH2Server();
    const path = `${socket.path}.h2`;
    await listen(server, path);
    const encoder = new TestHpackEncoder();
    const octetValue = Array.from({ length: 223 }, (_, i) => String.fromCharCode(i + 0x21)).join("").replace("\x7f", "");
    const want: [string, string][][] = [];
    const out: Uint8Array[] = [clientPreface, frame(0x4, 0, 0, new Uint8Array())];
    for (let i = 0; i < 20; i++) {
      const headers: [string, string][] = [
        [":method", "POST"],
        [":scheme", "http"],
        [":path", `/p/${i % 4}`],
        [":authority", "localhost"],
        ["x-octets", octetValue.slice(i)],
        ["x-n", String(i)],
      ];
      want.push(headers);
      const block =
        i % 2 === 0
          ? encodeWithoutIndexing(headers.map(([name, value]) => ({ name, value, neverIndexed: i % 4 === 0 })))
          : encoder.encode(headers, (k) => ({ representation: k % 2 ? "incremental" : "indexed-or-incremental", huffman: true }));
      out.push(frame(0x1, 0x5, 2 * i + 1, block));
    }
    const streams = want.map((_, i) => 2 * i + 1);
    const { outcomes } = await rawClientExchange(path, concatBytes(out), streams);
    server.close();
    for (const id of streams) expect(outcomes.get(id)).toBe("answered");
    streams.forEach((id, i) => expect(received.get(id)).toEqual(want[i]));
  });
});
