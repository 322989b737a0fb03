// Replays golden/go/digest.json (go-digest v1.0.0 as linked by containerd v1.5.7) against
// src/go/digest.ts.
import {
  type Digest,
  algorithmSize,
  digestAlgorithm,
  digestEncoded,
  digestFromBytes,
  isAlgorithmAvailable,
  parseDigest,
  validateDigest,
  validateEncoded,
} from "../../../src/go/digest.ts";
import { type GoldenException, type GoString, goBytes, isRawBytes, outcomeOf, replayGolden } from "./golden.ts";

/** The port's inputs are JS strings, which cannot hold bytes that are not UTF-8. */
const notUtf8Input: GoldenException[] = [
  "parseDigest",
  "validateDigest",
  "digestAlgorithm",
  "digestEncoded",
  "isAlgorithmAvailable",
  "algorithmSize",
].map((fn) => ({
  fn,
  reason: "input is not valid UTF-8, which a JS string cannot carry",
  applies: (c) => isRawBytes(c.in as GoString),
}));

const str = (s: GoString) => s as string;

replayGolden(
  "digest",
  {
    parseDigest: (s: GoString) => outcomeOf(() => parseDigest(str(s))),
    validateDigest: (s: GoString) => outcomeOf(() => validateDigest(str(s))),
    digestAlgorithm: (s: GoString) => outcomeOf(() => digestAlgorithm(str(s) as Digest)),
    digestEncoded: (s: GoString) => outcomeOf(() => digestEncoded(str(s) as Digest)),
    isAlgorithmAvailable: (s: GoString) => outcomeOf(() => isAlgorithmAvailable(str(s))),
    algorithmSize: (s: GoString) => outcomeOf(() => algorithmSize(str(s))),
    validateEncoded: (c: { alg: GoString; encoded: GoString }) =>
      outcomeOf(() => validateEncoded(str(c.alg), str(c.encoded))),
    digestFromBytes: (c: { alg: GoString; data: GoString }) =>
      outcomeOf(() => digestFromBytes(goBytes(c.data), str(c.alg))),
  },
  notUtf8Input,
);
