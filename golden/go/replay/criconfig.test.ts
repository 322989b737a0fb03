// Replays golden/go/criconfig.json (containerd v1.6.20: config.toml loaded over the daemon
// defaults, the CRI plugin's table decoded onto DefaultConfig, ValidatePluginConfig, and
// json.Marshal of the result) against parseCriConfig + criConfigJson.
import { expect, test } from "vitest";
import { criConfigJson, parseCriConfig } from "../../../src/cri/config.ts";
import { type GoldenCase, type GoldenException, type GoString, goBytes, loadGolden, outcomeOf, replayGolden } from "./golden.ts";

const text = (s: GoString) => new TextDecoder("utf-8", { ignoreBOM: true }).decode(goBytes(s));
const load = (input: GoString) => outcomeOf(() => criConfigJson(parseCriConfig(text(input))));

/** go-toml puts the value's position in front of a conversion error; smol-toml knows none. */
const positioned = /^(?:failed to unmarshal TOML: )?\(\d+, \d+\): /;
/** go-toml and smol-toml word TOML syntax errors differently. */
const syntaxError = /^failed to load TOML: config\.toml: /;

const exceptions: GoldenException[] = [
  {
    fn: "loadCriConfig",
    reason: "go-toml's conversion errors start with (line, col); the port names the key instead (checked below)",
    applies: (c) => c.err !== undefined && positioned.test(c.err),
  },
  {
    fn: "loadCriConfig",
    reason: "TOML syntax errors are smol-toml's words, not go-toml's (checked below: both fail, same prefix)",
    applies: (c) => c.err !== undefined && syntaxError.test(c.err),
  },
];

replayGolden("criconfig", { loadCriConfig: load }, exceptions);

const cases = loadGolden("criconfig").cases;

test("criconfig: conversion errors say what go-toml says after the position", () => {
  const positionedCases = cases.filter((c: GoldenCase) => c.err !== undefined && positioned.test(c.err));
  expect(positionedCases.length).toBeGreaterThan(0);
  for (const c of positionedCases) {
    const outcome = load(c.in as GoString);
    expect("err" in outcome, JSON.stringify(c.in)).toBe(true);
    const ours = (outcome as { err: string }).err;
    const theirs = c.err!;
    expect(ours.startsWith("failed to unmarshal TOML: "), JSON.stringify(c.in)).toBe(theirs.startsWith("failed to unmarshal TOML: "));
    expect(ours.slice(ours.indexOf("Can't convert")), JSON.stringify(c.in)).toBe(theirs.slice(theirs.indexOf("Can't convert")));
  }
});

test("criconfig: TOML syntax errors fail too, with the same prefix", () => {
  const syntaxCases = cases.filter((c: GoldenCase) => c.err !== undefined && syntaxError.test(c.err));
  expect(syntaxCases.length).toBeGreaterThan(0);
  for (const c of syntaxCases) {
    const outcome = load(c.in as GoString);
    expect("err" in outcome && syntaxError.test((outcome as { err: string }).err), JSON.stringify(c.in)).toBe(true);
  }
});
