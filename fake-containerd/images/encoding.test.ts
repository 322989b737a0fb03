// Byte-level checks of what the builder writes: Go-compatible JSON, tar and gzip.
import { describe, expect, test } from "vitest";
import { computeDigest } from "../content/store.ts";
import { text, untext } from "../content/test-support.ts";
import { encodeImageConfig, encodeManifest, parseImageConfig, parseIndex, parseManifest } from "./documents.ts";
import { crc32, gunzip, gzip } from "./gzip.ts";
import { goJson, goJsonString } from "../../src/go/json.ts";
import { mediaTypes } from "./mediatypes.ts";
import { readTar, writeTar, type TarEntry } from "./tar.ts";

describe("Go-compatible JSON", () => {
  test("escapes like encoding/json", () => {
    expect(goJsonString('a"b\\c\n\r\t\b\f\u0001<>&\u2028\u2029é😀')).toBe(
      '"a\\"b\\\\c\\n\\r\\t\\u0008\\u000c\\u0001\\u003c\\u003e\\u0026\\u2028\\u2029é😀"',
    );
    expect(goJsonString("\ud800x")).toBe('"\ufffdx"');
  });

  test("struct fields keep their order, maps sort bytewise, undefined is omitted", () => {
    expect(goJson({ z: 1, a: undefined, m: new Map([["b", "2"], ["a", "1"], ["é", "3"], ["Z", "0"]]), l: [true, null] })).toBe(
      '{"z":1,"m":{"Z":"0","a":"1","b":"2","é":"3"},"l":[true,null]}',
    );
  });

  // The config and manifest of a published single-layer image (google/go-containerregistry's
  // pkg/v1/layout/testdata/test_index_one_image, blobs named by their sha256): rebuilt from their
  // field values, the bytes hash to the published digests.
  test("reproduces a published image config and manifest digest", () => {
    const config = encodeImageConfig({
      created: "2020-04-12T10:58:48.626858334Z",
      architecture: "amd64",
      os: "linux",
      config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
      rootfs: { type: "layers", diff_ids: ["sha256:59cd31f50f7442a662d7c31b7a12079ade16892bfb465b33da49918e7d13e747"] },
      history: [
        {
          created: "2020-04-12T10:58:48.626858334Z",
          created_by: "/bin/sh -c #(nop) COPY file:a34f6c104b4cb0668083b4de122deebb3e3629e212f82c32fec316dd8e3a1931 in / ",
        },
      ],
    });
    expect(config.length).toBe(452);
    expect(computeDigest(config)).toBe("sha256:381d958b555884ba59574ab5c066e9f6116b5aec3567675aa13bec63331f0810");
    const manifest = encodeManifest({
      schemaVersion: 2,
      config: { mediaType: mediaTypes.ociConfig, digest: computeDigest(config), size: config.length },
      layers: [
        {
          mediaType: mediaTypes.ociLayerGzip,
          digest: "sha256:492b89b9dd3cda4596f94916d17f6901455fb8bd7f4c5a2a90df8d39c90f48a0",
          size: 114,
        },
      ],
    });
    expect(manifest.length).toBe(344);
    expect(computeDigest(manifest)).toBe("sha256:98ceaf93e482fe91b9bfd6bba07137c098e49ee2d55e69f09fb6c951e75e0e46");
    expect(parseImageConfig(config).rootfs.diff_ids).toHaveLength(1);
    expect(parseManifest(manifest).layers[0]!.size).toBe(114);
  });
});

describe("decoding like Go's json.Unmarshal", () => {
  test("wrong types fail with Go's wording", () => {
    expect(() => parseManifest(text('{"layers":[{"size":"1"}]}'))).toThrow(
      "json: cannot unmarshal string into Go struct field Descriptor.layers.size of type int64",
    );
    expect(() => parseManifest(text("[1]"))).toThrow("json: cannot unmarshal array into Go value of type v1.Manifest");
    expect(() => parseManifest(text('{"layers":[{"size":1.5}]}'))).toThrow(
      "json: cannot unmarshal number 1.5 into Go struct field Descriptor.layers.size of type int64",
    );
    expect(() => parseManifest(text('{"layers":'))).toThrow("unexpected end of JSON input");
  });

  test("keys match case-insensitively, null keeps zero values, unknown keys are ignored", () => {
    const m = parseManifest(text('{"SCHEMAVERSION":2,"Config":{"Digest":"sha256:x","size":null},"extra":1}'));
    expect(m.schemaVersion).toBe(2);
    expect(m.config).toEqual({ mediaType: "", digest: "sha256:x", size: 0 });
    expect(m.layers).toEqual([]);
  });

  test("descriptor platforms use their JSON field names", () => {
    const i = parseIndex(
      text('{"manifests":[{"digest":"sha256:x","size":1,"platform":{"os":"windows","architecture":"amd64","os.version":"10.0"}}]}'),
    );
    expect(i.manifests[0]!.platform).toEqual({ os: "windows", architecture: "amd64", osVersion: "10.0" });
  });
});

describe("tar like Go's archive/tar", () => {
  const long = `${"d".repeat(60)}/${"e".repeat(60)}/file.txt`;
  const huge = "x".repeat(120);
  const entries: TarEntry[] = [
    { name: "etc/", type: "dir", mode: 0o755 },
    { name: "etc/passwd", type: "file", mode: 0o644, data: text("root:x:0:0:root:/root:/bin/sh\n") },
    { name: "bin/sh", type: "symlink", mode: 0o777, linkname: "/bin/busybox" },
    { name: long, type: "file", mode: 0o600, data: text("long") },
    { name: huge, type: "file", mode: 0o644, data: text("huge") },
    { name: `dir/${huge}/`, type: "dir", mode: 0o755 },
    { name: "café.txt", type: "file", mode: 0o644, data: text("accent") },
    { name: "hl", type: "hardlink", mode: 0o644, linkname: "etc/passwd" },
    { name: "ln", type: "symlink", mode: 0o777, linkname: "t".repeat(101) },
    { name: "big-uid", type: "file", mode: 0o644, data: text("u"), uid: 3000000, uname: "üser" },
  ];

  // Recorded by running Go 1.26's tar.Writer over the same headers (Name, Linkname, Typeflag, Mode,
  // Size, ModTime: time.Unix(0, 0), Uid, Uname): USTAR with a prefix split for `long`, PAX records
  // for the over-long, non-ASCII and out-of-range fields.
  test("writes the bytes Go writes", () => {
    const tar = writeTar(entries);
    expect(tar.length).toBe(13824);
    expect(computeDigest(tar)).toBe("sha256:2c13223865e1d6622d6ccdc35b73215e874d23f51f01d600c16fedafd3ba0d3e");
  });

  test("reads back what it writes", () => {
    const back = readTar(writeTar(entries));
    expect(back.map((e) => [e.name, e.type, e.linkname, e.data && untext(e.data), e.uid, e.uname])).toEqual(
      entries.map((e) => [e.name, e.type, e.linkname, e.data && untext(e.data), e.uid ?? 0, e.uname ?? ""]),
    );
  });

  test("rejects corrupt headers and truncation", () => {
    const tar = writeTar([{ name: "a", type: "file", mode: 0o644, data: text("abc") }]);
    const corrupt = tar.slice();
    corrupt[0] = 0x62;
    expect(() => readTar(corrupt)).toThrow("archive/tar: invalid tar header");
    expect(() => readTar(tar.subarray(0, 600))).toThrow("unexpected EOF");
  });

  test("reads GNU long names and base-256 numbers", () => {
    const header = (name: string, flag: string, size: number, magic = "ustar  \0") => {
      const b = new Uint8Array(512);
      b.set(text(name), 0);
      b.set(text("0000644\0"), 100);
      b.set(text("0000000\0"), 108);
      b.set(text("0000000\0"), 116);
      b.set(text(size.toString(8).padStart(11, "0") + "\0"), 124);
      b.set([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 42], 136);
      b[156] = flag.charCodeAt(0);
      b.set(text(magic), 257);
      let sum = 0;
      for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : b[i]!;
      b.set(text(sum.toString(8).padStart(6, "0") + "\0 "), 148);
      return b;
    };
    const longName = "n".repeat(150);
    const data = new Uint8Array(512);
    data.set(text(longName + "\0"));
    const parts = [header("././@LongLink", "L", longName.length + 1), data, header("short", "0", 0), new Uint8Array(1024)];
    const tar = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      tar.set(p, at);
      at += p.length;
    }
    const [entry] = readTar(tar);
    expect(entry!.name).toBe(longName);
    expect(entry!.mtime).toBe(42);
  });
});

describe("gzip", () => {
  test("is deterministic and decompresses with the platform's DecompressionStream", async () => {
    const inputs = [new Uint8Array(0), text("a"), text("hello world ".repeat(5000)), Uint8Array.from({ length: 70000 }, (_, i) => (i * 7919) % 251)];
    for (const input of inputs) {
      const z = gzip(input);
      expect(gzip(input)).toEqual(z);
      expect(await gunzip(z)).toEqual(input);
    }
    expect(gzip(text("hello world ".repeat(5000))).length).toBeLessThan(2000);
  });

  test("has Go's header and a correct trailer", () => {
    const z = gzip(text("abc"));
    expect(Array.from(z.subarray(0, 10))).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    expect(crc32(text("abc"))).toBe(0x352441c2);
    expect(new DataView(z.buffer, z.byteOffset).getUint32(z.length - 8, true)).toBe(0x352441c2);
    expect(new DataView(z.buffer, z.byteOffset).getUint32(z.length - 4, true)).toBe(3);
  });

  test("incompressible data is stored, not inflated", () => {
    let x = 12345;
    const noise = Uint8Array.from({ length: 100000 }, () => (x = (x * 1103515245 + 12345) >>> 0) >>> 24);
    expect(gzip(noise).length).toBeLessThanOrEqual(noise.length + 18 + 5 * 2);
  });
});

describe("JSON syntax errors in Go's words", () => {
  test.each([
    ["", "unexpected end of JSON input"],
    ['{"a":', "unexpected end of JSON input"],
    ["x", "invalid character 'x' looking for beginning of value"],
    ["{a}", "invalid character 'a' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b"}', "invalid character '\"' after object key:value pair"],
    ["[1 2]", "invalid character '2' after array element"],
    ["{} x", "invalid character 'x' after top-level value"],
    ['"\\x"', "invalid character 'x' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ['"a\nb"', "invalid character '\\n' in string literal"],
    ["-x", "invalid character 'x' in numeric literal"],
    ["1.x", "invalid character 'x' after decimal point in numeric literal"],
    ["1ex", "invalid character 'x' in exponent of numeric literal"],
    ["01", "invalid character '1' after top-level value"],
    ["tru", "invalid character ' ' in literal true (expecting 'e')"],
    ["-", "invalid character ' ' in numeric literal"],
    ["1.", "invalid character ' ' after decimal point in numeric literal"],
    ['"\\', "invalid character ' ' in string escape code"],
    ['"abc', "unexpected end of JSON input"],
    ["[1,", "unexpected end of JSON input"],
    ["\u00e9", "invalid character 'Ã' looking for beginning of value"],
    ['"\\u12', "invalid character ' ' in \\u hexadecimal character escape"],
    ["\u0001", "invalid character '\\x01' looking for beginning of value"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ["nul1", "invalid character '1' in literal null (expecting 'l')"],
    ["'a'", "invalid character '\\'' looking for beginning of value"],
  ])("%j", (input, message) => {
    expect(() => parseManifest(text(input))).toThrow(message);
  });
});
