// Laws the CRI helpers must obey for any input, beyond the recorded goldens.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  buildLabels,
  containerKindLabel,
  filterLabel,
  getPassthroughAnnotations,
  makeContainerName,
  makeSandboxName,
  nameDelimiter,
} from "../src/cri/helpers/index.ts";
import { annotationPattern, containerMetadata, labels, namePart, podMetadata } from "./arbitraries/pods.ts";
import { unquote } from "./support/go-unquote.ts";

const runs = { numRuns: 2000 };
const decoder = new TextDecoder();

/** Splits `labels."k"=="v"` back into its two quoted literals. */
function parseLabelFilter(filter: string): [string, string] {
  expect(filter.startsWith("labels.")).toBe(true);
  const rest = filter.slice("labels.".length);
  let end = 1;
  while (rest[end] !== '"') end += rest[end] === "\\" ? 2 : 1;
  const key = rest.slice(0, end + 1);
  expect(rest.slice(end + 1, end + 3)).toBe("==");
  const value = rest.slice(end + 3);
  return [decoder.decode(unquote(key)), decoder.decode(unquote(value))];
}

const delimiterFree = namePart().filter((p) => !p.includes(nameDelimiter));

describe("names", () => {
  test("a sandbox name splits back into its metadata when no part holds the delimiter", () => {
    fc.assert(
      fc.property(podMetadata(delimiterFree), (m) => {
        expect(makeSandboxName(m).split(nameDelimiter)).toEqual([m.name, m.namespace, m.uid, String(m.attempt)]);
      }),
      runs,
    );
  });

  test("a container name splits back into container and pod metadata", () => {
    fc.assert(
      fc.property(containerMetadata(delimiterFree), podMetadata(delimiterFree), (c, s) => {
        expect(makeContainerName(c, s).split(nameDelimiter)).toEqual([
          c.name,
          s.name,
          s.namespace,
          s.uid,
          String(c.attempt),
        ]);
      }),
      runs,
    );
  });

  test("different delimiter-free metadata never yields the same sandbox name", () => {
    fc.assert(
      fc.property(podMetadata(delimiterFree), podMetadata(delimiterFree), (a, b) => {
        const same = a.name === b.name && a.namespace === b.namespace && a.uid === b.uid && a.attempt === b.attempt;
        expect(makeSandboxName(a) === makeSandboxName(b)).toBe(same);
      }),
      runs,
    );
  });
});

describe("labels", () => {
  test("filterLabel always decodes back to the key and the value", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (k, v) => {
        expect(parseLabelFilter(filterLabel(k, v))).toEqual([k, v]);
      }),
      runs,
    );
  });

  test("config labels win over image labels, and the kind label wins over both", () => {
    fc.assert(
      fc.property(labels(), labels(), fc.constantFrom("sandbox", "container"), (config, image, kind) => {
        const built = buildLabels(config, image, kind);
        expect(built[containerKindLabel]).toBe(kind);
        for (const [k, v] of Object.entries(config)) if (k !== containerKindLabel) expect(built[k]).toBe(v);
        for (const [k, v] of Object.entries(image)) {
          if (k !== containerKindLabel && !(k in config)) expect(built[k]).toBe(v);
        }
        const expectedKeys = new Set([...Object.keys(image), ...Object.keys(config), containerKindLabel]);
        expect(new Set(Object.keys(built))).toEqual(expectedKeys);
      }),
      runs,
    );
  });
});

describe("annotations", () => {
  test("pass-through annotations are a subset of the pod's, with the pod's values", () => {
    fc.assert(
      fc.property(labels(), fc.array(annotationPattern(), { maxLength: 4 }), (pod, patterns) => {
        const passed = getPassthroughAnnotations(pod, patterns);
        for (const [k, v] of Object.entries(passed)) expect(pod[k]).toBe(v);
      }),
      runs,
    );
  });

  test("`*` lets every annotation through and no pattern lets none through", () => {
    fc.assert(
      fc.property(labels(), (pod) => {
        const withoutSlash = Object.fromEntries(Object.entries(pod).filter(([k]) => !k.includes("/")));
        expect(getPassthroughAnnotations(withoutSlash, ["*"])).toEqual(withoutSlash);
        expect(getPassthroughAnnotations(pod, [])).toEqual({});
      }),
      runs,
    );
  });
});
