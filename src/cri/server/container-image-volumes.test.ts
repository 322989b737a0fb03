import { afterEach, describe, expect, test } from "vitest";
import type { DeepPartial, Mount } from "../api/v1.ts";
import type { FakeCri } from "../../harness/index.ts";
import { busybox, create, createAndStart, newFake, rejection, runPod, status, text, type Pod } from "../testing/container-fixtures.ts";

let fake: FakeCri;
let pod: Pod;

afterEach(async () => {
  await fake?.close();
});

async function setUp() {
  fake = await newFake({ containerd: "2.4" });
  pod = await runPod(fake);
}

const volume = (extra: DeepPartial<Mount> = {}) => ({
  mounts: [{ containerPath: "/mnt/image", readonly: true, image: { image: busybox }, ...extra }],
});
const exec = async (containerId: string, cmd: string[]) => fake.runtime.execSync({ containerId, cmd, timeout: 10n });
const volumeSnapshots = async () =>
  (await fake.containerd.namespace("k8s.io").snapshots.get("overlayfs").list()).map((s) => s.name).filter((name) => name.includes("/image-volumes/"));

describe("image volumes (2.4)", () => {
  test("mount the image's files read-only: readable and runnable, writes refused as on a read-only filesystem", async () => {
    await setUp();
    const id = await createAndStart(fake, pod, "app", ["sleep", "infinity"], volume());
    expect(text((await exec(id, ["cat", "/mnt/image/etc/group"])).stdout)).toBe("root:x:0:\nnogroup:x:65534:\n");
    expect(text((await exec(id, ["/mnt/image/bin/ls", "/mnt/image/etc"])).stdout)).toBe("group\npasswd\n");
    const write = await exec(id, ["touch", "/mnt/image/f"]);
    expect(write.exitCode).toBe(1);
    expect(text(write.stderr)).toBe("touch: /mnt/image/f: Read-only file system\n");
  });

  test("the status shows the mount as a bind of the pod's image directory, the image named as requested", async () => {
    await setUp();
    const id = await create(fake, pod, "app", ["sleep", "infinity"], volume({ imageSubPath: "etc" }));
    const [mount] = (await status(fake, id)).mounts;
    expect(mount).toMatchObject({ containerPath: "/mnt/image", readonly: true, image: { image: busybox, imageRef: "" }, imageSubPath: "etc" });
    expect(mount!.hostPath).toMatch(new RegExp(`/image-volumes/${pod.id}/[0-9a-f]{64}/etc$`));
  });

  test("the pod's containers share one snapshot per image, removed when the pod stops", async () => {
    await setUp();
    await create(fake, pod, "a", ["sleep", "infinity"], volume());
    const b = await createAndStart(fake, pod, "b", ["sleep", "infinity"], volume({ imageSubPath: "etc" }));
    expect(text((await exec(b, ["ls", "/mnt/image"])).stdout)).toBe("group\npasswd\n");
    expect(await volumeSnapshots()).toHaveLength(1);
    await fake.runtime.stopPodSandbox({ podSandboxId: pod.id });
    expect(await volumeSnapshots()).toEqual([]);
  });

  test("refused: writable, a host path beside the image, a subPath absent, escaping or not a directory", async () => {
    await setUp();
    const refusal = async (extra: DeepPartial<Mount>) => (await rejection(create(fake, pod, "bad", ["true"], volume(extra)))).message;
    expect(await refusal({ readonly: false })).toBe(
      `failed to mount image volume: ImageVolumeMountFailed: readonly must be true while mount image: container_path:"/mnt/image" image:{image:"${busybox}"}`,
    );
    expect(await refusal({ hostPath: "/tmp" })).toMatch(/: hostpath must be empty while mount image: container_path:"\/mnt\/image" host_path:"\/tmp" readonly:true image:\{/);
    expect(await refusal({ imageSubPath: "nope/x" })).toMatch(/": openat nope\/x: no such file or directory$/);
    expect(await refusal({ imageSubPath: "etc/passwd/x" })).toMatch(/": openat etc\/passwd\/x: not a directory$/);
    expect(await refusal({ imageSubPath: "etc/../.." })).toMatch(/": openat etc\/\.\.\/\.\.: path escapes from parent$/);
    expect(await refusal({ imageSubPath: "/etc" })).toMatch(/": openat \/etc: path escapes from parent$/);
    expect(await refusal({ imageSubPath: "etc/passwd" })).toMatch(/: only directory subpath is supported, subpath: "etc\/passwd", mountpoint: "[^"]+" $/);
    expect(await refusal({ image: { image: "docker.io/library/alpine:3" } })).toMatch(/: failed to resolve image "docker.io\/library\/alpine:3": /);
  });
});
