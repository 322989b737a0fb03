// Laws of the runtime option ports that must hold for any value, beyond the recorded goldens.
import fc from "fast-check";
import { parse, stringify } from "smol-toml";
import { describe, expect, test } from "vitest";
import type { RuntimeOptions } from "../src/go/toml-options.ts";
import { marshalAny, unmarshalAny } from "../src/go/typeurl.ts";
import {
  RUNTIME_LINUX_V1,
  RUNTIME_RUNC_V2,
  RUNTIME_RUNHCS_V1,
  generateRuntimeOptions,
} from "../src/cri/helpers/runtime-options.ts";
import { optionsTable, runtimeOptions } from "./arbitraries/runtime-options.ts";

const runs = { numRuns: 1000 };

/** What survives the wire: XXX_sizecache never goes on it, and Go resets it when decoding. */
function onTheWire(options: RuntimeOptions): RuntimeOptions {
  const { sizeCache: _sizeCache, ...rest } = options;
  return rest as RuntimeOptions;
}

const runtimeTypeFor: Record<RuntimeOptions["typeUrl"], string> = {
  "containerd.runc.v1.Options": RUNTIME_RUNC_V2,
  "containerd.linux.runc.RuncOptions": RUNTIME_LINUX_V1,
  "containerd.runhcs.v1.Options": RUNTIME_RUNHCS_V1,
  "runtimeoptions.v1.Options": "io.containerd.kata.v2",
};

describe("typeurl", () => {
  test("unmarshalAny(marshalAny(options)) gives the options back", () => {
    fc.assert(
      fc.property(runtimeOptions(), (options) => {
        expect(unmarshalAny(marshalAny(options))).toEqual(onTheWire(options));
      }),
      runs,
    );
  });

  test("marshalAny of the decoded value writes the same bytes", () => {
    fc.assert(
      fc.property(runtimeOptions(), (options) => {
        const any = marshalAny(options);
        expect(marshalAny(unmarshalAny(any))).toEqual(any);
      }),
      runs,
    );
  });
});

describe("generateRuntimeOptions", () => {
  test("an [options] table written from a message, read back by smol-toml, decodes into that message", () => {
    const withTable = runtimeOptions().chain((options) =>
      optionsTable(options).map((table) => ({ options, table })),
    );
    fc.assert(
      fc.property(withTable, fc.boolean(), ({ options, table }, systemdCgroup) => {
        const text = stringify({ runtime_type: runtimeTypeFor[options.typeUrl], options: table });
        const doc = parse(text, { integersAsBigInt: true });
        const decoded = generateRuntimeOptions(
          {
            type: doc.runtime_type as string,
            engine: "",
            root: "",
            options: doc.options as typeof table,
            podAnnotations: [],
            containerAnnotations: [],
            privilegedWithoutHostDevices: false,
            baseRuntimeSpec: "",
          },
          { systemdCgroup },
        );
        expect(decoded).toEqual(options);
      }),
      runs,
    );
  });
});
