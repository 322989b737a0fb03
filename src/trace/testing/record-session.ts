// Records a trace the way `fake-cri record` does, in process: an upstream fake served on a unix
// socket, the recording proxy in front of it, a session of calls through the proxy, the trace built.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectCri, type CriV1Client, type CriV1alpha2Client } from "../../cri/transport/grpc.ts";
import type { FakeCri } from "../../harness/index.ts";
import { buildTrace, type BuiltTrace } from "../build.ts";
import { startRecordingProxy } from "../proxy.ts";

export async function recordSession(
  upstream: FakeCri,
  session: (clients: { v1: CriV1Client; v1alpha2: CriV1alpha2Client }) => Promise<void>,
  name = "session",
): Promise<BuiltTrace> {
  const dir = mkdtempSync(join(tmpdir(), "fake-cri-trace-"));
  const served = await upstream.serve(`unix://${join(dir, "upstream.sock")}`);
  const recordedAt = new Date();
  const started = performance.now();
  const proxy = await startRecordingProxy({ upstream: served.endpoint, listen: `unix://${join(dir, "proxy.sock")}` });
  const v1 = connectCri(proxy.endpoint, "v1");
  const v1alpha2 = connectCri(proxy.endpoint, "v1alpha2");
  try {
    await session({ v1, v1alpha2 });
  } finally {
    v1.close();
    v1alpha2.close();
    await proxy.close();
    await served.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return buildTrace(proxy.exchanges, {
    name,
    upstream: "unix:///upstream.sock",
    recordedAt,
    started,
    ended: performance.now(),
    connections: proxy.connections,
  });
}
