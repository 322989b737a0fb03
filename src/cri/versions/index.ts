// The containerd versions the fake answers as. Each has a profile (profile.ts: one module per
// version beside this file) and its own golden transcript suite (golden/cri/<version>/).

import { containerd16 } from "./containerd-1.6.ts";
import { containerd24 } from "./containerd-2.4.ts";
import type { ContainerdProfile } from "./profile.ts";

export type { ContainerdProfile, RpcSupport } from "./profile.ts";

/** Every version the fake can answer as, newest first. */
export const containerdVersions = ["2.4", "1.6"] as const;

/** A containerd version the fake answers as: "2.4" (containerd 2.4.2) or "1.6" (1.6.20). */
export type ContainerdVersion = (typeof containerdVersions)[number];

/** What the fake answers as unless told otherwise: the current release. */
export const defaultContainerdVersion: ContainerdVersion = "2.4";

export function isContainerdVersion(value: string): value is ContainerdVersion {
  return (containerdVersions as readonly string[]).includes(value);
}

/**
 * The version the fake answers as for a runtime whose Version answer is `runtime`: containerd of
 * the same major and minor release (`v2.4.2`, Debian's `1.6.20~ds1`); undefined for another
 * runtime or release.
 */
export function containerdVersionOf(runtime: { runtimeName: string; runtimeVersion: string }): ContainerdVersion | undefined {
  if (runtime.runtimeName !== "containerd") return undefined;
  const release = /^v?(\d+)\.(\d+)\./.exec(runtime.runtimeVersion);
  const version = release ? `${release[1]}.${release[2]}` : "";
  return isContainerdVersion(version) ? version : undefined;
}

const profiles: Record<ContainerdVersion, ContainerdProfile> = { "2.4": containerd24, "1.6": containerd16 };

export function profileOf(version: ContainerdVersion): ContainerdProfile {
  return profiles[version];
}
