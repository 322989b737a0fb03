// A container's stop signal between the CRI's Signal enum and the OCI name containerd keeps
// (containerd 2.x's container_stop_signal.go): SIGNAL_SIGRTMINPLUS3 is SIGRTMIN+3.

import { Code, CriError } from "../errors.ts";
import { Signal } from "../api/v1.ts";

/** criSignalToOCIStopSignal: the enum as an OCI name, "" for the runtime default. */
export function ociStopSignal(signal: Signal): string {
  if (signal === Signal.SIGNAL_RUNTIME_DEFAULT) return "";
  // ts-proto's UNRECOGNIZED (-1) is no signal of the API either.
  const name = Object.entries(Signal).find(([key, v]) => v === signal && key.startsWith("SIGNAL_"))?.[0];
  if (name === undefined) throw new CriError(Code.InvalidArgument, `unknown CRI stop signal ${signal}: invalid argument`);
  return name.slice("SIGNAL_".length).replace("PLUS", "+").replace("MINUS", "-");
}

/** toCRISignal: an OCI name as the enum; what it does not name is the runtime default. */
export function criSignal(name: string): Signal {
  const key = name.replace("+", "PLUS").replace("-", "MINUS");
  const values = Signal as Record<string, Signal>;
  return values[key] ?? values[`SIGNAL_${key}`] ?? Signal.SIGNAL_RUNTIME_DEFAULT;
}
