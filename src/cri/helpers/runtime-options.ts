// containerd v1.5.7 pkg/cri/server/helpers.go: generateRuntimeOptions, getRuntimeOptionsType and
// getRuntimeOptions. A runtime's options table from the CRI config becomes one of four typed option
// messages, chosen by runtime type; a container stores it as an Any and reads it back.
import {
  RUNC_OPTIONS_URL,
  RUNC_V2_OPTIONS_URL,
  RUNHCS_OPTIONS_URL,
  RUNTIME_OPTIONS_V1_URL,
  type RuntimeOptions,
  runcOptionsStruct,
  runcV2OptionsStruct,
  runhcsOptionsStruct,
  runtimeOptionsV1Struct,
  treeFromMap,
  unmarshalTree,
} from "../../go/toml-options.ts";
import { type AnyMessage, unmarshalAny } from "../../go/typeurl.ts";
import type { CriPluginConfig, CriRuntime } from "./config-types.ts";

/** plugin.RuntimeLinuxV1: the legacy shim v1 runtime. */
export const RUNTIME_LINUX_V1 = "io.containerd.runtime.v1.linux";
/** plugin.RuntimeRuncV1: runc shim v2, one shim per container. */
export const RUNTIME_RUNC_V1 = "io.containerd.runc.v1";
/** plugin.RuntimeRuncV2: runc shim v2, one shim per pod. */
export const RUNTIME_RUNC_V2 = "io.containerd.runc.v2";
/** runtimeRunhcsV1: the Windows runtime. */
export const RUNTIME_RUNHCS_V1 = "io.containerd.runhcs.v1";

/**
 * The runtime options a runtime's config asks for. Without an options table only the legacy linux
 * runtime gets options (built from runtime_engine, runtime_root and the plugin's systemd_cgroup);
 * the others get none (undefined, Go's nil). Throws go-toml's errors (TomlDecodeError,
 * TomlTreeError) and GoPanicError where Go would panic.
 */
export function generateRuntimeOptions(r: CriRuntime, c: Pick<CriPluginConfig, "systemdCgroup">): RuntimeOptions | undefined {
  if (r.options === undefined) {
    if (r.type !== RUNTIME_LINUX_V1) return undefined;
    return {
      typeUrl: RUNC_OPTIONS_URL,
      message: { ...runcOptionsStruct.codec.create(), runtime: r.engine, runtimeRoot: r.root, systemdCgroup: c.systemdCgroup },
    };
  }
  const optionsTree = treeFromMap(r.options);
  const options = getRuntimeOptionsType(r.type);
  unmarshalTree(optionsTree, options);
  return options;
}

/** Empty options of the type a runtime type uses; unknown types get runtimeoptions.v1.Options. */
export function getRuntimeOptionsType(t: string): RuntimeOptions {
  switch (t) {
    case RUNTIME_RUNC_V1:
    case RUNTIME_RUNC_V2:
      return { typeUrl: RUNC_V2_OPTIONS_URL, message: runcV2OptionsStruct.codec.create() };
    case RUNTIME_LINUX_V1:
      return { typeUrl: RUNC_OPTIONS_URL, message: runcOptionsStruct.codec.create() };
    case RUNTIME_RUNHCS_V1:
      return { typeUrl: RUNHCS_OPTIONS_URL, message: runhcsOptionsStruct.codec.create() };
    default:
      return { typeUrl: RUNTIME_OPTIONS_V1_URL, message: runtimeOptionsV1Struct.codec.create() };
  }
}

/**
 * The runtime options stored with a container, or undefined when it has none. Throws typeurl's
 * errors (TypeUrlNotFoundError, ProtoDecodeError) for an unknown type URL or bad bytes.
 */
export function getRuntimeOptions(container: { runtime: { options?: AnyMessage } }): RuntimeOptions | undefined {
  if (container.runtime.options === undefined) return undefined;
  return unmarshalAny(container.runtime.options);
}
