// Replays golden/go/runtimeoptions.json against src/cri/helpers/runtime-options.ts. Each recorded TOML
// runtime section is parsed with smol-toml (integers as bigint, as go-toml keeps int64 apart from
// float64) into a CriRuntime; outputs compare as the type URL, the Go struct's fields by Go name and
// the MarshalAny bytes.
import { parse, type TomlTable } from "smol-toml";
import type { CriRuntime } from "../../../src/cri/helpers/config-types.ts";
import { generateRuntimeOptions, getRuntimeOptions, getRuntimeOptionsType } from "../../../src/cri/helpers/runtime-options.ts";
import { expect, test } from "vitest";
import { fromHex, recordedOptions } from "./options-fields.ts";
import {
  type GoldenCase,
  type GoldenException,
  type GoString,
  goBytes,
  loadGolden,
  outcomeOf,
  replayGolden,
} from "./golden.ts";

function text(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** A runtime section as containerd decodes it into criconfig.Runtime (only the keys the cases use). */
function runtimeFromToml(toml: string): CriRuntime {
  const doc = parse(toml, { integersAsBigInt: true });
  return {
    type: text(doc.runtime_type),
    engine: text(doc.runtime_engine),
    root: text(doc.runtime_root),
    ...(doc.options === undefined ? {} : { options: doc.options as TomlTable }),
    podAnnotations: [],
    containerAnnotations: [],
    privilegedWithoutHostDevices: false,
    baseRuntimeSpec: "",
  };
}

function goString(s: GoString): string {
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(goBytes(s));
}

/**
 * Where go-toml v1.8.1's parser and smol-toml's disagree, the recorded Go outcome cannot be reached
 * from smol-toml's value. Each entry is one recorded TOML line and why.
 */
const parserDifferences: Record<string, string> = {
  "BinaryName = 9223372036854775808": "go-toml refuses integers past int64; smol-toml reads them as bigint",
  "IoUid = -9223372036854775809": "go-toml refuses integers past int64; smol-toml reads them as bigint",
  "IoUid = 0xffffffffffffffff": "go-toml refuses integers past int64; smol-toml reads them as bigint",
  "BinaryName = 1e400": "go-toml refuses a float that overflows; smol-toml reads it as Infinity",
  "BinaryName = 1979-05-27T07:32:00.123456": "smol-toml keeps milliseconds only; go-toml keeps nanoseconds",
  "IoUid = 1979-05-27T07:32:00.1234567Z": "smol-toml keeps milliseconds only; go-toml keeps nanoseconds",
  "BinaryName = 07:32:00.0001": "smol-toml keeps milliseconds only; go-toml keeps nanoseconds",
  "BinaryName = 07:32": "times without seconds (TOML 1.1) are refused by go-toml's parser",
  "BinaryName = 1979-05-27T07:32Z": "times without seconds (TOML 1.1) are refused by go-toml's parser",
  "BinaryName = \"\\e\"": "the \\e escape (TOML 1.1) is refused by go-toml's parser",
  "BinaryName = \"\\x41\"": "the \\x escape (TOML 1.1) is refused by go-toml's parser",
  "BinaryName = 01": "go-toml accepts leading zeros in integers; smol-toml refuses them",
  "BinaryName = 1979-05-27T07:32:00+24:00": "go-toml (Go's time.Parse) accepts the offset +24:00; smol-toml refuses it",
  'BinaryName = { "a\\"b" = 1 }': "go-toml refuses an escaped quote inside a quoted key; smol-toml accepts it",
  "é = 1": "both parsers refuse a non-ASCII bare key, with their own error texts (parse errors are not ported)",
};

function optionsLine(c: GoldenCase): string | undefined {
  const toml = (c.in as { toml: string }).toml;
  return toml.split("\n")[2];
}

const exceptions: GoldenException[] = [
  {
    fn: "generateRuntimeOptions",
    reason: "go-toml v1.8.1 and smol-toml parse this TOML differently (see parserDifferences)",
    applies: (c) => parserDifferences[optionsLine(c) ?? ""] !== undefined,
  },
  {
    fn: "getRuntimeOptions",
    reason:
      "containerd's binary registers every gogo message with proto's registry; the port knows only the four option types",
    applies: (c) => {
      const url = (c.in as { typeUrl?: string } | null)?.typeUrl;
      return url === "containerd.runc.v1.CheckpointOptions" || url === "google.protobuf.Timestamp";
    },
  },
];

replayGolden(
  "runtimeoptions",
  {
    generateRuntimeOptions: (input: { toml: string; systemdCgroup: boolean }) =>
      outcomeOf(() =>
        recordedOptions(generateRuntimeOptions(runtimeFromToml(input.toml), { systemdCgroup: input.systemdCgroup })),
      ),
    getRuntimeOptionsType: (t: GoString) => outcomeOf(() => recordedOptions(getRuntimeOptionsType(goString(t)))),
    getRuntimeOptions: (input: { typeUrl: GoString; value: string } | null) =>
      outcomeOf(() => {
        const options = input === null ? undefined : { typeUrl: goString(input.typeUrl), value: fromHex(input.value) };
        return recordedOptions(getRuntimeOptions({ runtime: { ...(options ? { options } : {}) } }));
      }),
  },
  exceptions,
);

/** JSON with object keys sorted, so outputs compare as maps. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x,
  );
}

test("every listed parser difference really differs, so the exception hides no matching case", () => {
  const claimed = loadGolden("runtimeoptions").cases.filter(
    (c) => c.fn === "generateRuntimeOptions" && exceptions[0]!.applies(c),
  );
  expect(claimed.map(optionsLine).sort()).toEqual(Object.keys(parserDifferences).sort());
  for (const c of claimed) {
    const input = c.in as { toml: string; systemdCgroup: boolean };
    const ts = outcomeOf(() =>
      recordedOptions(generateRuntimeOptions(runtimeFromToml(input.toml), { systemdCgroup: input.systemdCgroup })),
    );
    const go = c.err !== undefined ? { err: c.err } : { out: c.out };
    expect(canonical(ts), optionsLine(c)).not.toBe(canonical(go));
  }
});
