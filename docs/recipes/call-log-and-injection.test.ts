// CRI-level controls: fake.calls logs every call (in process and over fake.serve()), failNext fails
// the next call of an RPC, onCall answers or changes calls. For "my agent retries when
// RunPodSandbox fails" there is no need to know which containerd operation to break.
import { expect, test } from "vitest";
import { createFakeCri } from "fake-cri";
import { Code } from "fake-cri/errors";
import { createCriClient } from "fake-cri/grpc";

/** The code under test: creates a pod, retrying once on Unavailable. */
async function runPodWithRetry(cri: { runtime: { runPodSandbox(request: object): Promise<{ podSandboxId: string }> } }, config: object) {
  try {
    return await cri.runtime.runPodSandbox({ config });
  } catch (err) {
    if ((err as { code?: number }).code !== Code.Unavailable) throw err;
    return cri.runtime.runPodSandbox({ config });
  }
}

test("the agent retries a RunPodSandbox that failed with Unavailable, over the socket", async () => {
  const fake = await createFakeCri({ seed: 1 });
  const client = createCriClient((await fake.serve()).endpoint);
  fake.failNext("RunPodSandbox", { code: Code.Unavailable, message: "containerd is restarting" });

  const pod = { metadata: { name: "web", namespace: "default", uid: "web-1" } };
  const { podSandboxId } = await runPodWithRetry(client, pod);

  expect(fake.calls.methods()).toEqual(["RunPodSandbox", "RunPodSandbox"]);
  const [failed, retried] = fake.calls.list("RunPodSandbox");
  expect(failed!.error).toMatchObject({ code: Code.Unavailable });
  expect(retried!.response).toEqual({ podSandboxId });
  fake.calls.assertCalled("RunPodSandbox", { times: 2, request: { config: { metadata: { name: "web" } } } });
  client.close();
  await fake.close();
});

test("onCall answers in place of the plugin, or passes the call on with next()", async () => {
  const fake = await createFakeCri({ seed: 1 });
  fake.onCall("Version", async (request, next) => ({ ...(await next(request)), runtimeName: "cri-o" }));
  expect(await fake.runtime.version({})).toMatchObject({ runtimeName: "cri-o", runtimeVersion: "v2.4.2" });
  await fake.close();
});
