// The --containerd flag of serve and replay: which containerd version the fake answers as.

import { containerdVersions, isContainerdVersion, type ContainerdVersion } from "../cri/versions/index.ts";

/** The flag's version, undefined when not given; a version the fake has no profile for is refused. */
export function containerdFlag(value: string | undefined): ContainerdVersion | undefined {
  if (value === undefined || isContainerdVersion(value)) return value;
  throw new Error(`--containerd: ${containerdVersions.join(" or ")}, not ${value}`);
}
