// Test support: puts CRI sandboxes and containers straight into a fake node, the way containerd's
// CRI plugin leaves them (labelled containerd containers with the metadata extension, tasks, status
// checkpoints), so recovery and event handling can be tested without the RPC files.

import { ociSpec, type FakeContainerd, type Task } from "../../../fake-containerd/index.ts";
import { ContainerConfig, PodSandboxConfig } from "../api/v1.ts";
import type { CriConfig } from "../config.ts";
import type { HostFs } from "../../node/host-fs.ts";
import { encodeContainerStatus } from "../store/container-checkpoint.ts";
import { emptyContainerStatus, type ContainerStatus } from "../store/container-status.ts";
import { containerMetadataAny, sandboxMetadataAny } from "../store/metadata-codec.ts";
import {
  containerKindContainer,
  containerKindLabel,
  containerKindSandbox,
  containerMetadataExtension,
  sandboxMetadataExtension,
} from "../helpers/constants.ts";
import { getContainerRootDir } from "../helpers/dirs.ts";

export const hexId = (n: number): string => n.toString(16).padStart(2, "0").repeat(32);

export interface NodeBuilder {
  sandbox(id: string, name: string, options?: { task?: "running" | "stopped" | "none" }): Promise<Task | undefined>;
  container(
    id: string,
    sandboxId: string,
    name: string,
    options?: { task?: "running" | "stopped" | "created" | "none"; status?: Partial<ContainerStatus> | "none"; logPath?: string },
  ): Promise<Task | undefined>;
}

export function nodeBuilder(containerd: FakeContainerd, hostFs: HostFs, criConfig: CriConfig): NodeBuilder {
  const ns = containerd.namespace("k8s.io");
  const makeTask = async (id: string, kind: string): Promise<Task | undefined> => {
    if (kind === "none") return undefined;
    const task = await ns.tasks.create(id);
    if (kind === "created") return task;
    await task.start();
    if (kind === "stopped") {
      const exited = task.wait();
      await task.kill(9);
      await exited;
    }
    return task;
  };
  return {
    async sandbox(id, name, options = {}) {
      const config = PodSandboxConfig.fromPartial({ metadata: { name, namespace: "ns", uid: `${name}-uid`, attempt: 0 } });
      await ns.containers.create({
        id,
        image: "registry.k8s.io/pause:3.6",
        labels: { [containerKindLabel]: containerKindSandbox },
        spec: ociSpec({ process: { args: ["/pause"] } }),
        extensions: {
          [sandboxMetadataExtension]: sandboxMetadataAny({
            id,
            name: `${name}_ns_${name}-uid_0`,
            config,
            netnsPath: `/var/run/netns/cni-${id.slice(0, 8)}`,
            ip: "10.88.0.2",
            additionalIps: [],
            runtimeHandler: "",
            processLabel: "",
          }),
        },
      });
      return makeTask(id, options.task ?? "running");
    },
    async container(id, sandboxId, name, options = {}) {
      const config = ContainerConfig.fromPartial({ metadata: { name, attempt: 0 }, image: { image: "docker.io/library/busybox:1.36" } });
      await ns.containers.create({
        id,
        image: "docker.io/library/busybox:1.36",
        labels: { [containerKindLabel]: containerKindContainer },
        spec: ociSpec({ process: { args: ["sleep", "infinity"] } }),
        extensions: {
          [containerMetadataExtension]: containerMetadataAny({
            id,
            name: `${name}_p_ns_p-uid_0`,
            sandboxId,
            config,
            imageRef: "sha256:x",
            logPath: options.logPath ?? "",
            stopSignal: "",
            processLabel: "",
          }),
        },
      });
      const dir = getContainerRootDir(criConfig, id);
      hostFs.mkdirAll(dir);
      if (options.status !== "none") {
        hostFs.writeFile(`${dir}/status`, encodeContainerStatus({ ...emptyContainerStatus(), createdAt: 100n, ...options.status }), 0o600);
      }
      return makeTask(id, options.task ?? "running");
    },
  };
}
