// Arbitraries for image references (src/go/reference.ts) and for the ID sets looked up by prefix
// (src/go/truncindex.ts, src/go/digestset.ts). Each one builds from grammar parts, so shrinking
// drops optional parts and shortens runs, ending at readable references such as "a:0".
import fc from "fast-check";

const chars = (alphabet: string) => fc.constantFrom(...alphabet);
const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
const ALNUM = LOWER_ALNUM + "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const WORD = ALNUM + "_";
const HEX = "0123456789abcdef";

const lowerAlnumRun = () => fc.string({ unit: chars(LOWER_ALNUM), minLength: 1, maxLength: 6 });

/** A registry host the normalizer recognizes as one: it has a "." or a port, or is localhost. */
export function imageDomain(): fc.Arbitrary<string> {
  const label = fc
    .tuple(chars(ALNUM), fc.option(fc.tuple(fc.string({ unit: chars(ALNUM + "-"), maxLength: 5 }), chars(ALNUM))))
    .map(([first, rest]) => (rest === null ? first : first + rest[0] + rest[1]));
  const port = fc.integer({ min: 0, max: 65535 }).map(String);
  const generated = fc.oneof(
    fc.tuple(fc.array(label, { minLength: 2, maxLength: 3 }), fc.option(port)).map(
      ([labels, p]) => labels.join(".") + (p === null ? "" : ":" + p),
    ),
    fc.tuple(label, port).map(([l, p]) => `${l}:${p}`),
  );
  return fc.oneof(
    fc.constantFrom(
      "docker.io",
      "index.docker.io",
      "localhost",
      "localhost:5000",
      "gcr.io",
      "registry.k8s.io",
      "quay.io:443",
      "127.0.0.1:5000",
      "Registry.Example.COM",
    ),
    generated,
  );
}

/** One path component: lowercase alphanumeric runs joined by ".", "_", "__" or dashes. */
export function imagePathComponent(): fc.Arbitrary<string> {
  const separator = fc.constantFrom(".", "_", "__", "-", "--", "---");
  return fc
    .tuple(lowerAlnumRun(), fc.array(fc.tuple(separator, lowerAlnumRun()), { maxLength: 2 }))
    .map(([head, rest]) => head + rest.map(([sep, run]) => sep + run).join(""));
}

/** A repository name, familiar ("redis", "team/app") or with a registry ("gcr.io/team/app"). */
export function imageName(): fc.Arbitrary<string> {
  return fc
    .tuple(fc.option(imageDomain()), fc.array(imagePathComponent(), { minLength: 1, maxLength: 3 }))
    .map(([domain, components]) => (domain === null ? "" : domain + "/") + components.join("/"));
}

/** A tag: a word character, then up to 127 word characters, dots and dashes. */
export function imageTag(): fc.Arbitrary<string> {
  return fc
    .tuple(chars(WORD), fc.string({ unit: chars(WORD + ".-"), maxLength: 127 }))
    .map(([first, rest]) => first + rest);
}

const hex = (length: number) => fc.string({ unit: chars(HEX), minLength: length, maxLength: length });

/** A valid digest of one of the algorithms containerd has: sha256, sha384 or sha512. */
export function imageDigest(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: hex(64).map((h) => "sha256:" + h) },
    { weight: 1, arbitrary: hex(96).map((h) => "sha384:" + h) },
    { weight: 1, arbitrary: hex(128).map((h) => "sha512:" + h) },
  );
}

/** A well-formed reference: name, optional tag, optional digest. */
export function imageRef(): fc.Arbitrary<string> {
  return fc
    .record({ name: imageName(), tag: fc.option(imageTag()), digest: fc.option(imageDigest()) })
    .map(({ name, tag, digest }) => name + (tag === null ? "" : ":" + tag) + (digest === null ? "" : "@" + digest));
}

/**
 * Container or image IDs from a small alphabet and short lengths, so that many share prefixes,
 * some are prefixes of others, and a stray space makes an illegal one now and then.
 */
export function sharedPrefixId(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 20, arbitrary: fc.string({ unit: chars("ab01"), minLength: 1, maxLength: 8 }) },
    { weight: 1, arbitrary: fc.constantFrom("", " ", "a b") },
  );
}

/** A prefix to look up among sharedPrefixId() values. */
export function idPrefix(): fc.Arbitrary<string> {
  return fc.string({ unit: chars("ab01"), maxLength: 9 });
}

/** Digests whose hex parts share prefixes: a random stem, extended to the algorithm's length. */
export function sharedPrefixDigest(algorithms: readonly ("sha256" | "sha384" | "sha512")[]): fc.Arbitrary<string> {
  const lengths = { sha256: 64, sha384: 96, sha512: 128 } as const;
  return fc
    .tuple(fc.constantFrom(...algorithms), fc.string({ unit: chars("0af"), maxLength: 4 }), fc.nat())
    .map(([alg, stem, seed]) => {
      let h = stem;
      for (let i = 0; h.length < lengths[alg]; i++) h += HEX[(seed >> (i % 24)) & 15]!;
      return `${alg}:${h}`;
    });
}

/** A short digest lookup: a hex prefix, with "alg:" in front sometimes when algorithms are given. */
export function digestPrefix(algorithms: readonly string[]): fc.Arbitrary<string> {
  const prefix = fc.string({ unit: chars("0af"), minLength: 1, maxLength: 6 });
  if (algorithms.length === 0) return prefix;
  return fc
    .tuple(fc.option(fc.constantFrom(...algorithms)), prefix)
    .map(([alg, hexPrefix]) => (alg === null ? hexPrefix : `${alg}:${hexPrefix}`));
}
