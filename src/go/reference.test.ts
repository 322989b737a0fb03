import { describe, expect, test } from "vitest";
import { ChecksumDigestLengthError } from "./digest.ts";
import {
  HexadecimalNameError,
  InvalidReferenceError,
  NameContainsUppercaseError,
  NameTooLongError,
  ReferenceFormatError,
  RemoteNameUppercaseError,
  familiarString,
  isCanonical,
  isDigested,
  isNamed,
  isTagged,
  parse,
  parseAnyReference,
  parseDockerRef,
  parseNormalizedNamed,
  referenceString,
} from "./reference.ts";

const digest = "sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa";

describe("reference errors", () => {
  test("each Go sentinel is its own class under InvalidReferenceError; digest errors stay go-digest's", () => {
    const raised = (run: () => unknown) => {
      try {
        run();
      } catch (e) {
        return e;
      }
      throw new Error("did not throw");
    };
    expect(raised(() => parse("a!"))).toBeInstanceOf(ReferenceFormatError);
    expect(raised(() => parse("A"))).toBeInstanceOf(NameContainsUppercaseError);
    expect(raised(() => parse("a".repeat(256)))).toBeInstanceOf(NameTooLongError);
    expect(raised(() => parseNormalizedNamed("Ubuntu"))).toBeInstanceOf(RemoteNameUppercaseError);
    expect(raised(() => parseNormalizedNamed("a".repeat(64)))).toBeInstanceOf(HexadecimalNameError);
    expect(raised(() => parse("a@sha256:" + "a".repeat(32)))).toBeInstanceOf(ChecksumDigestLengthError);
    expect(raised(() => parse("a!"))).toBeInstanceOf(InvalidReferenceError);
  });
});

describe("reference grammar", () => {
  // Go's RE2 runs in linear time; a backtracking JS regexp of the same grammar would not finish.
  test("inputs that make a backtracking regexp explode are rejected in linear time", () => {
    const start = performance.now();
    for (const bad of ["a".repeat(50_000) + "!", "a-".repeat(25_000) + "!", "a/".repeat(25_000) + "A", "a".repeat(100) + ":" + "b".repeat(100_000)]) {
      expect(() => parseNormalizedNamed(bad)).toThrow();
    }
    expect(performance.now() - start).toBeLessThan(1000);
  });

  test("the guards narrow to what Go's type assertions give", () => {
    const both = parse(`busybox:1.0@${digest}`);
    expect([isNamed(both), isTagged(both), isDigested(both), isCanonical(both)]).toEqual([true, true, true, true]);
    if (isTagged(both) && isCanonical(both)) expect([both.tag, both.digest]).toEqual(["1.0", digest]);
    const id = parseAnyReference(digest.slice(7));
    expect(id).toEqual({ kind: "digestReference", digest });
    expect([isNamed(id), isTagged(id), isDigested(id), isCanonical(id)]).toEqual([false, false, true, false]);
    expect(familiarString(id)).toBe(digest);
  });

  test("parseDockerRef keeps only the digest of a tagged and digested reference", () => {
    expect(referenceString(parseDockerRef(`busybox:1.0@${digest}`))).toBe(`docker.io/library/busybox@${digest}`);
    expect(referenceString(parseDockerRef("busybox"))).toBe("docker.io/library/busybox:latest");
  });

  // Go behaves the same; the property suite states the law around this case.
  test("the familiar form of a Docker Hub name whose first segment looks like a registry reads back elsewhere", () => {
    const hub = parseNormalizedNamed("docker.io/a.b/c");
    expect(familiarString(hub)).toBe("a.b/c");
    expect(referenceString(parseNormalizedNamed("a.b/c"))).toBe("a.b/c");
  });
});
