// Arbitraries for fake-containerd's content store, image builder and snapshots: blob bytes, digests
// that do not match them, and image layers as the builder describes them (small name pools, so
// that layers overwrite, white out and make opaque each other's paths).
import fc from "fast-check";
import type { FileSpec, LayerDescription } from "../../fake-containerd/images/build.ts";

/** Blob contents: any bytes, often empty or repeated so that duplicates occur. */
export function blobBytes(): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 1024 }) },
    { weight: 1, arbitrary: fc.constantFrom(new Uint8Array(0), new TextEncoder().encode("hello"), new Uint8Array([0])) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 4096, maxLength: 20000 }) },
  );
}

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);

/** A digest that is not `actual`: another sha256, a near miss, another algorithm, or malformed. */
export function wrongDigest(actual: string): fc.Arbitrary<string> {
  const flipped = fc.nat({ max: 63 }).map((i) => {
    const hex = actual.slice(7);
    const c = hex[i] === "0" ? "1" : "0";
    return `sha256:${hex.slice(0, i)}${c}${hex.slice(i + 1)}`;
  });
  return fc
    .oneof(
      hex64.map((h) => `sha256:${h}`),
      flipped,
      hex64.map((h) => `sha512:${h}${h}`),
      fc.constantFrom("sha256:abc", "nodigest", "md5:d41d8cd98f00b204e9800998ecf8427e", actual.toUpperCase(), `${actual} `),
    )
    .filter((d) => d !== actual && d !== "");
}

const names = ["a", "b", "c"];

type EntryKind = "file" | "dir" | "symlink" | "whiteout" | "opaque";

/** One layer: up to eight paths under a tiny tree, as files, dirs, symlinks, whiteouts or opaque markers. */
export function layerDescription(): fc.Arbitrary<LayerDescription> {
  const path = fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 3 });
  const entry = fc.tuple(
    path,
    fc.constantFrom<EntryKind>("file", "file", "file", "dir", "symlink", "whiteout", "opaque"),
    fc.string({ maxLength: 12 }),
    fc.constantFrom(0o644, 0o755, 0o600),
  );
  return fc.array(entry, { maxLength: 8 }).map((entries) => {
    const layer = new Map<string, string | FileSpec>();
    for (const [parts, kind, content, mode] of entries) {
      const dir = parts.slice(0, -1);
      const last = parts[parts.length - 1]!;
      if (kind === "whiteout") layer.set([...dir, `.wh.${last}`].join("/"), "");
      else if (kind === "opaque") layer.set([...parts, ".wh..wh..opq"].join("/"), "");
      else if (kind === "dir") layer.set(parts.join("/"), { type: "dir", mode: mode | 0o700 });
      // Targets lie outside the generated tree, so following one never lands on a generated path.
      else if (kind === "symlink") layer.set(parts.join("/"), { type: "symlink", target: `/elsewhere/${content}` });
      else layer.set(parts.join("/"), { content, mode });
    }
    // A path with entries below it must be a directory.
    for (const key of [...layer.keys()]) {
      const parts = key.split("/");
      for (let i = 1; i < parts.length; i++) {
        const prefix = parts.slice(0, i).join("/");
        const existing = layer.get(prefix);
        if (existing !== undefined && !(typeof existing === "object" && existing.type === "dir")) layer.set(prefix, { type: "dir" });
      }
    }
    // A whiteout next to new entries for the same path would leave a non-opaque directory over it,
    // which containerd produces too but no image builder writes; keep layers to what builders write.
    for (const key of [...layer.keys()]) {
      const parts = key.split("/");
      const base = parts[parts.length - 1]!;
      if (!base.startsWith(".wh.") || base === ".wh..wh..opq") continue;
      const target = [...parts.slice(0, -1), base.slice(4)].join("/");
      if ([...layer.keys()].some((k) => k === target || k.startsWith(`${target}/`))) layer.delete(key);
    }
    return Object.fromEntries(layer);
  });
}

/** A stack of one to four layers. */
export function layerStack(): fc.Arbitrary<LayerDescription[]> {
  return fc.array(layerDescription(), { minLength: 1, maxLength: 4 });
}
