// fake-cri/trace: traces of CRI calls recorded by `fake-cri record`, read and replayed against
// fake-cri (in process by default) or any target, as `fake-cri replay` and the tests that
// `fake-cri replay --as-test` writes do. Portable.

export { parseTrace, traceFormat, TraceFormatError, type Trace, type TraceCall } from "./format.ts";
export {
  fakeTarget,
  replayTrace,
  type CallReplay,
  type ReplayNote,
  type TraceReplayOptions,
  type TraceReplayResult,
  type TraceTarget,
} from "./replay.ts";
// The types a trace and a replay target are made of.
export type { Api, CallStep, CallTarget, Json, JsonObject, RecordedCall, ServiceName } from "../transcript/calls.ts";
export type { TargetClients } from "../transcript/invoke.ts";
export type { Outcome, Status } from "../transcript/normalise.ts";
export type { CriTarget, TargetCallOptions, TargetMethod, TargetService } from "../transcript/target.ts";
