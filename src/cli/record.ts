// `fake-cri record`: a transparent proxy between CRI clients (crictl, a kubelet) and a CRI runtime
// that writes every call it forwards to a trace on SIGINT/SIGTERM. Node-only.

import { existsSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { connectCri } from "../cri/transport/grpc.ts";
import { buildTrace } from "../trace/build.ts";
import { startRecordingProxy } from "../trace/proxy.ts";

export const recordUsage = `usage: fake-cri record --upstream unix:///path | tcp://HOST:PORT --listen unix:///path | tcp://HOST:PORT
                       --out trace.json

  --upstream  the CRI runtime to forward every call to (e.g. unix:///run/containerd/containerd.sock)
  --listen    where clients connect instead (a unix socket is created 0600); point crictl or a
              kubelet here, nothing else changes for them
  --out       the trace, written on SIGINT or SIGTERM: every call with its request, answer or
              status, start, duration, client connection and deadline, normalised as golden/cri
              transcripts are, and the upstream's Version answer; \`fake-cri replay\` replays it
              against the fake answering as that containerd version
`;

/** How long the start-up check may wait for the upstream's Version. */
const probeTimeoutMs = 5_000;

export async function record(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      upstream: { type: "string" },
      listen: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(recordUsage);
    return;
  }
  for (const required of ["upstream", "listen", "out"] as const) {
    if (values[required] === undefined) throw new Error(`record: --${required} is required\n${recordUsage}`);
  }
  const upstream = values.upstream!;
  const out = resolve(values.out!);
  if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) throw new Error(`--out: no directory ${dirname(out)}`);

  const probe = connectCri(upstream);
  const version = await probe.runtime
    .version({}, { timeoutMs: probeTimeoutMs })
    .then(({ runtimeName, runtimeVersion, runtimeApiVersion }) => ({ runtimeName, runtimeVersion, runtimeApiVersion }))
    .catch((err: Error) => err)
    .finally(() => probe.close());
  const runtime =
    version instanceof Error
      ? `not answering yet (${version.message}); calls get Unavailable until it does`
      : `${version.runtimeName} ${version.runtimeVersion}`;

  const recordedAt = new Date();
  const started = performance.now();
  const proxy = await startRecordingProxy({ upstream, listen: values.listen! });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await proxy.close();
    const { trace, leftOut } = buildTrace(proxy.exchanges, {
      name: basename(out).replace(/\.json$/, ""),
      upstream,
      recordedAt,
      started,
      ended: performance.now(),
      connections: proxy.connections,
      ...(version instanceof Error ? {} : { runtime: version }),
    });
    const temporary = `${out}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(trace, null, 1)}\n`);
    renameSync(temporary, out);
    process.stderr.write(
      `fake-cri record: ${signal}: wrote ${trace.calls} calls from ${trace.connections} connections ` +
        `(${(trace.durationMs / 1000).toFixed(1)} s) to ${out}\n` +
        leftOut.map((why) => `fake-cri record: left out ${why}\n`).join(""),
    );
    process.exit(0);
  };
  const stopOrFail = (signal: string): void => {
    stop(signal).catch((err: unknown) => {
      process.stderr.write(`fake-cri record: writing ${out} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
  };
  process.once("SIGINT", () => stopOrFail("SIGINT"));
  process.once("SIGTERM", () => stopOrFail("SIGTERM"));
  // Printed once a signal can stop it cleanly: whoever reads the endpoint may signal at once.
  process.stdout.write(`${proxy.endpoint}\n`);
  process.stderr.write(`fake-cri record: forwarding ${proxy.endpoint} to ${upstream} (${runtime}); the trace goes to ${out} on SIGINT or SIGTERM\n`);
}
