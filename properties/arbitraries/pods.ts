// Arbitraries for pod and container metadata, labels and annotations, shaped like CRI requests.
import fc from "fast-check";

/** A name part: usually DNS-label-ish, sometimes empty, with unicode or the `_` name delimiter. */
export function namePart(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/) },
    { weight: 1, arbitrary: fc.constant("") },
    { weight: 1, arbitrary: fc.constantFrom("a_b", "_", "__", "x_") },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 6 }) },
  );
}

export function podMetadata(part = namePart()) {
  return fc.record({
    name: part,
    namespace: part,
    uid: part,
    attempt: fc.nat({ max: 0xffffffff }),
  });
}

export function containerMetadata(part = namePart()) {
  return fc.record({ name: part, attempt: fc.nat({ max: 0xffffffff }) });
}

/** A label key: few distinct keys so that maps overlap, plus the CRI kind label now and then. */
export function labelKey(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom("app", "tier", "io.kubernetes.pod.name", "a.b/c", "") },
    { weight: 1, arbitrary: fc.constant("io.cri-containerd.kind") },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 8 }) },
  );
}

export function labels(): fc.Arbitrary<Record<string, string>> {
  return fc.dictionary(labelKey(), fc.string({ unit: "binary", maxLength: 8 }), { maxKeys: 6 });
}

/** Annotation-key patterns in path.Match syntax, including malformed ones. */
export function annotationPattern(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom("*", "io.kubernetes.*", "io.katacontainers.*", "app", "[a-c]*", "?pp", "[", "\\", "a\\*"),
    fc.stringMatching(/^[a-z.*?\[\]^\\-]{0,8}$/),
  );
}
