// The CRI API containerd 1.6.20 vendors (k8s.io/cri-api v0.25.0): a request it decodes has none of
// the fields added since, whatever the client sent. The fake decodes every request with today's API
// (the one 2.4.2 vendors) and, answering as 1.6, drops those fields here.

import { ContainerConfig, type ImageSpec, Mount } from "../api/v1.ts";

function vendoredImageSpec(image: ImageSpec | undefined): ImageSpec | undefined {
  return image && { image: image.image, annotations: { ...image.annotations }, userSpecifiedImage: "", runtimeHandler: "", imageRef: "" };
}

function vendoredMount(m: Mount): Mount {
  const { containerPath, hostPath, readonly, selinuxRelabel, propagation } = m;
  return Mount.fromPartial({ containerPath, hostPath, readonly, selinuxRelabel, propagation });
}

/** The request's config as containerd 1.6.20 decodes it: fields newer than cri-api v0.25.0 dropped. */
export function vendoredContainerConfig(config: ContainerConfig): ContainerConfig {
  const securityContext = config.linux?.securityContext;
  const windows = config.windows;
  return ContainerConfig.fromPartial({
    metadata: config.metadata,
    image: vendoredImageSpec(config.image),
    command: config.command,
    args: config.args,
    workingDir: config.workingDir,
    envs: config.envs,
    mounts: config.mounts.map(vendoredMount),
    devices: config.devices,
    labels: config.labels,
    annotations: config.annotations,
    logPath: config.logPath,
    stdin: config.stdin,
    stdinOnce: config.stdinOnce,
    tty: config.tty,
    linux: config.linux && {
      resources: config.linux.resources,
      securityContext: securityContext && { ...securityContext, supplementalGroupsPolicy: 0 },
    },
    windows: windows && {
      resources: windows.resources && { ...windows.resources, affinityCpus: [] },
      securityContext: windows.securityContext,
    },
  });
}
