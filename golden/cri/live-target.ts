// A CriTarget for any CRI endpoint over gRPC (a real containerd, or `fake-cri serve`). Its reset
// goes through the CRI itself: every sandbox stopped and removed, any container left removed, every
// image removed, then checked empty.

import { connectCri } from "../../src/cri/transport/grpc.ts";
import type { CriTarget } from "../../src/transcript/target.ts";

export interface LiveTarget extends CriTarget {
  close(): void;
}

export function connectLiveTarget(endpoint: string, options: { afterReset?: () => Promise<void> } = {}): LiveTarget {
  const v1 = connectCri(endpoint, "v1");
  const alpha = connectCri(endpoint, "v1alpha2");
  const reset = async (): Promise<void> => {
    for (const sandbox of (await v1.runtime.listPodSandbox({})).items) {
      await v1.runtime.stopPodSandbox({ podSandboxId: sandbox.id });
      await v1.runtime.removePodSandbox({ podSandboxId: sandbox.id });
    }
    for (const container of (await v1.runtime.listContainers({})).containers) {
      await v1.runtime.removeContainer({ containerId: container.id });
    }
    for (const image of (await v1.image.listImages({})).images) {
      await v1.image.removeImage({ image: { image: image.id } });
    }
    const left = [
      ...(await v1.runtime.listPodSandbox({})).items.map((s) => `sandbox ${s.id}`),
      ...(await v1.runtime.listContainers({})).containers.map((c) => `container ${c.id}`),
      ...(await v1.image.listImages({})).images.map((i) => `image ${i.id}`),
    ];
    if (left.length > 0) throw new Error(`reset left ${left.join(", ")}`);
    await options.afterReset?.();
  };
  return {
    runtime: v1.runtime,
    image: v1.image,
    v1alpha2: { runtime: alpha.runtime, image: alpha.image },
    reset,
    close: () => {
      v1.close();
      alpha.close();
    },
  };
}
