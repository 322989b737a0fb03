// The containerd versions the fake answers as. Each has a profile (one module per version beside
// this file) and its own golden transcript suite (golden/cri/<version>/).

/** Every version the fake can answer as, newest first. */
export const containerdVersions = ["2.4", "1.6"] as const;

export type ContainerdVersion = (typeof containerdVersions)[number];

/** What the fake answers as unless told otherwise: the current release. */
export const defaultContainerdVersion: ContainerdVersion = "2.4";

export function isContainerdVersion(value: string): value is ContainerdVersion {
  return (containerdVersions as readonly string[]).includes(value);
}
