// Writes pod-exits.trace.json beside this file: a trace recorded through the proxy from a fake on
// the real clock answering as containerd 1.6 (a pod whose container prints, runs a second and
// exits 3, seen running and then exited; an ID prefix; an unknown ID; verbose status; v1alpha2,
// which 2.x no longer serves). Run it again (npx tsx src/trace/testing/record-fixture.ts) when the
// trace format or the fake's answers change.

import { writeFileSync } from "node:fs";
import { RealClock } from "../../../fake-containerd/index.ts";
import { createFakeCri } from "../../harness/index.ts";
import { recordSession } from "./record-session.ts";

export const podExitsSession = async ({ v1, v1alpha2 }: Parameters<Parameters<typeof recordSession>[1]>[0]): Promise<void> => {
  const pod = { metadata: { name: "web", namespace: "default", uid: "web-1" } };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  await v1.runtime.version({});
  await v1.image.pullImage({ image: { image: "busybox:1.36" } });
  const { podSandboxId } = await v1.runtime.runPodSandbox({ config: pod });
  const config = { metadata: { name: "app" }, image: { image: "busybox:1.36" }, command: ["sh", "-c", "echo hi; sleep 1; exit 3"] };
  const { containerId } = await v1.runtime.createContainer({ podSandboxId, sandboxConfig: pod, config });
  await v1.runtime.startContainer({ containerId });
  await sleep(200);
  await v1.runtime.containerStatus({ containerId: containerId.slice(0, 12) });
  await v1alpha2.runtime.listContainers({});
  await sleep(1_100);
  await v1.runtime.containerStatus({ containerId });
  await v1.runtime.containerStatus({ containerId: "f".repeat(64) }).catch(() => undefined);
  await v1.runtime.podSandboxStatus({ podSandboxId, verbose: true });
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const upstream = await createFakeCri({ clock: new RealClock(), containerd: "1.6" });
  const { trace } = await recordSession(upstream, podExitsSession, "pod-exits");
  await upstream.close();
  writeFileSync(new URL("./pod-exits.trace.json", import.meta.url), `${JSON.stringify(trace, null, 1)}\n`);
}
