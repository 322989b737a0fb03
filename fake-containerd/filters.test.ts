import { describe, expect, test } from "vitest";
import { ContainerdError } from "./errdefs.ts";
import { Filter, FilterSyntaxError, parseFilters, parseSelectors, type Adaptor } from "./filters.ts";

// Each row was checked against containerd v1.6.20's filters.Parse (the package built on its own
// with a stub errdefs): the selectors it returns, or its error text. A byte of a split UTF-8
// character shows as U+FFFD on both sides.
type Expected = { selectors: Array<[string[], string, string]> } | { error: string };
const goCases: Array<[string, Expected]> = [
  ["", { selectors: [] }],
  ["id", { selectors: [[["id"],"present",""]] }],
  ["id==x", { selectors: [[["id"],"==","x"]] }],
  ["labels.\"k\"==v", { selectors: [[["labels","k"],"==","v"]] }],
  ["labels.\"io.cri-containerd.kind\"==sandbox", { selectors: [[["labels","io.cri-containerd.kind"],"==","sandbox"]] }],
  ["image==docker.io/library/busybox:latest", { selectors: [[["image"],"==","docker.io/library/busybox:latest"]] }],
  ["runtime.name==io.containerd.runc.v2", { selectors: [[["runtime","name"],"==","io.containerd.runc.v2"]] }],
  ["topic==\"/tasks/exit\"", { selectors: [[["topic"],"==","/tasks/exit"]] }],
  ["topic~=\"/images/\"", { selectors: [[["topic"],"~=","/images/"]] }],
  ["topic~=/images/", { selectors: [[["topic"],"~=","images"]] }],
  ["topic~=|a|b|", { error: "filters: parse error: [topic~=|a| >|b|< |]: unexpected input: b" }],
  ["id!=x", { selectors: [[["id"],"!=","x"]] }],
  ["a,b", { selectors: [[["a"],"present",""],[["b"],"present",""]] }],
  ["a,,b", { error: "filters: parse error: [a, >|,|< b]: expected field or quoted" }],
  ["a==", { error: "filters: parse error: [a==]: expected value or quoted" }],
  ["==b", { error: "filters: parse error: [ >|=|< =b]: expected field or quoted" }],
  ["a=b", { error: "filters: parse error: [a >|=|< b]: unsupported operator \"=\"" }],
  ["a===b", { error: "filters: parse error: [a >|=|< ==b]: unsupported operator \"===\"" }],
  ["a!b", { error: "filters: parse error: [a >|!|< b]: unsupported operator \"!\"" }],
  ["a == b", { selectors: [[["a"],"==","b"]] }],
  [" a==b", { selectors: [[["a"],"==","b"]] }],
  ["a==b ", { error: "filters: parse error: [a==b >| |< ]: unexpected input:  " }],
  ["a==b , c", { error: "filters: parse error: [a==b >| |< , c]: unexpected input:  " }],
  ["labels.a.b==c", { selectors: [[["labels","a","b"],"==","c"]] }],
  ["labels.\"a.b\"==c", { selectors: [[["labels","a.b"],"==","c"]] }],
  ["a.", { error: "filters: parse error: [a.]: expected field or quoted" }],
  [".a", { error: "filters: parse error: [ >|.|< a]: expected field or quoted" }],
  ["a..b", { error: "filters: parse error: [a. >|.|< b]: expected field or quoted" }],
  ["a.\"b\\n\"", { selectors: [[["a","b\n"],"present",""]] }],
  ["a.\"b\\x41\"", { selectors: [[["a","bA"],"present",""]] }],
  ["a.\"b\\u00e9\"", { selectors: [[["a","bé"],"present",""]] }],
  ["a.\"b\\q\"", { error: "filters: parse error: [a. >|\"|< b\\q\"]: illegal escape sequence" }],
  ["a.\"b\\x4\"", { error: "filters: parse error: [a. >|\"|< b\\x4\"]: illegal numeric escape sequence" }],
  ["a==\"x\\\"y\"", { selectors: [[["a"],"==","x\"y"]] }],
  ["a==/x/", { error: "filters: parse error: [a== >|/|< x/]: invalid quote encountered" }],
  ["a~=/x\\/y/", { selectors: [[["a"],"~=","x/y"]] }],
  ["a~='x'", { selectors: [[["a"],"~=","'x'"]] }],
  ["a=='x'", { selectors: [[["a"],"==","'x'"]] }],
  ["ä==b", { error: "filters: parse error: [ >|�|< �==b]: expected field or quoted" }],
  ["a==ä", { selectors: [[["a"],"==","ä"]] }],
  ["a==b c", { error: "filters: parse error: [a==b >|�|< �c]: unexpected input:  " }],
  ["a\u0000==b", { error: "filters: parse error: [a >|\u0000|< ==b]: unexpected null" }],
  ["a==�", { error: "filters: parse error: [a== >|�|< ��]: rune error" }],
  ["a,", { error: "filters: parse error: [a,]: expected field or quoted" }],
  [",a", { error: "filters: parse error: [ >|,|< a]: expected field or quoted" }],
  ["a==b,", { error: "filters: parse error: [a==b,]: expected field or quoted" }],
  ["a==\"unterminated", { error: "filters: parse error: [a== >|\"|< unterminated]: quoted literal not terminated" }],
  ["a==\"x\ny\"", { error: "filters: parse error: [a== >|\"|< x\ny\"]: quoted literal not terminated" }],
  ["a.\"\"==b", { selectors: [[["a",""],"==","b"]] }],
  ["a==\"\\101\"", { selectors: [[["a"],"==","A"]] }],
  ["a==\"\\400\"", { error: "filters: parse error: [a== >|\"|< \\400\"]: unquoting failed: quote syntax error" }],
  ["a==\"\\U00110000\"", { error: "filters: parse error: [a== >|\"|< \\U00110000\"]: unquoting failed: quote syntax error" }],
  ["a==b==c", { selectors: [[["a"],"==","b==c"]] }],
  ["9a==1", { selectors: [[["9a"],"==","1"]] }],
  ["a-b==c", { error: "filters: parse error: [a >|-|< b==c]: expected an operator (\"==\"|\"!=\"|\"~=\")" }],
  ["a==b-c", { selectors: [[["a"],"==","b-c"]] }],
  ["a!==b", { error: "filters: parse error: [a >|!|< ==b]: unsupported operator \"!==\"" }],
  ["labels.k==\"v,w\"", { selectors: [[["labels","k"],"==","v,w"]] }],
  ["a==`x`", { selectors: [[["a"],"==","`x`"]] }],
];

const fields = (values: Record<string, string>): Adaptor => ({
  field: (path) => (Object.hasOwn(values, path.join(".")) ? values[path.join(".")] : undefined),
});

describe("parseSelectors", () => {
  test.each(goCases)("%j parses as containerd's parser does", (input, expected) => {
    if ("error" in expected) {
      let error: unknown;
      try {
        parseSelectors(input);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FilterSyntaxError);
      expect((error as Error).message).toBe(expected.error);
      return;
    }
    expect(parseSelectors(input).map((s) => [s.fieldpath, s.operator, s.value])).toEqual(expected.selectors);
  });
});

describe("parseFilters", () => {
  test("a syntax error is an invalid argument with containerd's text", () => {
    try {
      parseFilters(["id==a", "a=b"]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ContainerdError);
      expect((e as ContainerdError).kind).toBe("invalid argument");
      expect((e as ContainerdError).message).toBe(
        'filters: parse error: [a >|=|< b]: unsupported operator "=": invalid argument',
      );
    }
  });

  test("no filters, or an empty one, match everything", () => {
    expect(parseFilters([]).matchesEverything).toBe(true);
    expect(parseFilters([""]).matchesEverything).toBe(true);
    expect(parseFilters(["id==x", ""]).match(fields({}))).toBe(true);
    expect(parseFilters(["id==x"]).matchesEverything).toBe(false);
  });

  test("selectors in one string must all match; any string may match", () => {
    const f = parseFilters(["a==1,b==2", "c"]);
    expect(f.match(fields({ a: "1", b: "2" }))).toBe(true);
    expect(f.match(fields({ a: "1", b: "3" }))).toBe(false);
    expect(f.match(fields({ c: "" }))).toBe(true);
    expect(f.match(fields({}))).toBe(false);
  });

  test("operators follow containerd: == needs presence, != does not", () => {
    expect(parseFilters(["a==x"]).match(fields({}))).toBe(false);
    expect(parseFilters(["a!=x"]).match(fields({}))).toBe(true);
    expect(parseFilters(["a!=x"]).match(fields({ a: "x" }))).toBe(false);
    expect(parseFilters(["a"]).match(fields({ a: "" }))).toBe(true);
    expect(parseFilters(["a"]).match(fields({}))).toBe(false);
  });

  test("~= is an unanchored regular expression; a pattern that does not compile never matches", () => {
    expect(parseFilters(['topic~="/images/"']).match(fields({ topic: "/images/create" }))).toBe(true);
    expect(parseFilters(["topic~=^/tasks/"]).match(fields({ topic: "/images/create" }))).toBe(false);
    expect(parseFilters(["a~=|[|"]).match(fields({ a: "[" }))).toBe(false);
    expect(parseFilters(["a~=x"]).match(fields({}))).toBe(false);
    expect(parseFilters(["a~=^$"]).match(fields({}))).toBe(true);
  });

  test("Go-only regexp syntax: leading flags, named groups, \\z", () => {
    expect(parseFilters(['a~="(?i)^abc"']).match(fields({ a: "ABC" }))).toBe(true);
    expect(parseFilters(['a~="(?P<x>b)c"']).match(fields({ a: "abc" }))).toBe(true);
    expect(parseFilters(['a~="c\\\\z"']).match(fields({ a: "abc" }))).toBe(true);
    expect(parseFilters(['a~="c\\\\z"']).match(fields({ a: "abcd" }))).toBe(false);
  });

  test("a Filter can be built from selectors directly", () => {
    const f = new Filter([[{ fieldpath: ["id"], operator: "==", value: "x" }]]);
    expect(f.match(fields({ id: "x" }))).toBe(true);
  });
});
