// A stream transcript: what the server sent in one scenario, normalised by the rules below, kept
// as golden/streams/<scenario>.json. The same rules apply to the recording and the replay.
//
// - `date`: an HTTP Date header's value is the wall clock; it reads "$date".
// - `ids`: 64-hex IDs (container and sandbox IDs in error texts) become $id1, $id2... by first
//   appearance, so the same ID comes back in the same places.
// - `netns`: a pod's network namespace path is wherever the runtime keeps its state, then
//   /netns/cni-<uuid>; it reads "$netns".
// - `streamOrder`: SPDY frames are listed stream by stream (in the order each stream's own frames
//   came), connection frames (GOAWAY) after them. spdystream answers streams from five goroutines,
//   so frames of different streams interleave differently from run to run; within a stream the
//   order is the protocol's and is kept.

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ServerEvent } from "./exchange.ts";

export interface StreamTranscript {
  scenario: string;
  description: string;
  runtime: { runtimeName: string; runtimeVersion: string };
  events: ServerEvent[];
}

const here = fileURLToPath(new URL(".", import.meta.url));

export function transcriptPath(scenario: string): string {
  return `${here}${scenario}.json`;
}

export function readTranscript(scenario: string): StreamTranscript {
  return JSON.parse(readFileSync(transcriptPath(scenario), "utf8")) as StreamTranscript;
}

export function writeTranscript(transcript: StreamTranscript): void {
  writeFileSync(transcriptPath(transcript.scenario), `${JSON.stringify(transcript, null, 1)}\n`);
}

/** The events as compared: the rules above applied. */
export function normalise(events: readonly ServerEvent[]): ServerEvent[] {
  const ids = new Map<string, string>();
  const text = (s: string) =>
    s
      .replace(/[0-9a-f]{64}/g, (id) => {
        if (!ids.has(id)) ids.set(id, `$id${ids.size + 1}`);
        return ids.get(id)!;
      })
      .replace(/\/[^"\s]*\/netns\/cni-[0-9a-f-]+/g, "$netns");
  const deep = (value: unknown): unknown => {
    if (typeof value === "string") return text(value);
    if (Array.isArray(value)) return value.map(deep);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deep(v)]));
    return value;
  };
  const out = events.map((event): ServerEvent => {
    if ("http" in event) {
      return { http: { ...event.http, headers: event.http.headers.map(([k, v]): [string, string] => [k, k === "Date" ? "$date" : v]) } };
    }
    return event;
  });
  const spdyAt = out.findIndex((e) => "spdy" in e);
  if (spdyAt >= 0) {
    const frames = out.filter((e): e is { spdy: Record<string, unknown> } => "spdy" in e);
    const order = (e: { spdy: Record<string, unknown> }) => (typeof e.spdy.streamId === "number" ? e.spdy.streamId : Number.MAX_SAFE_INTEGER);
    const sorted = frames.map((e, i) => [e, i] as const).sort((a, b) => order(a[0]) - order(b[0]) || a[1] - b[1]).map(([e]) => e);
    const rest = out.filter((e) => !("spdy" in e));
    out.splice(0, out.length, ...rest.slice(0, spdyAt), ...sorted, ...rest.slice(spdyAt));
  }
  return deep(out) as ServerEvent[];
}
