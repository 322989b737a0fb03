// State names and the statuses reported when the plugin cannot know a container's or sandbox's state.

import { ContainerState } from "../api/v1.ts";
import { type ContainerStatus, emptyContainerStatus } from "../store/container-status.ts";
import { GO_ZERO_TIME_UNIX_NANO, SandboxState, type SandboxStatus } from "../store/sandbox-status.ts";
import { unknownExitCode, unknownExitReason } from "./constants.ts";

const containerStateNames = new Map<number, string>(
  Object.entries(ContainerState)
    .filter(([name]) => name !== "UNRECOGNIZED")
    .map(([name, value]) => [value, name]),
);

/** The CRI enum name of a container state; "" for a value the enum does not have (a Go map miss). */
export function criContainerStateToString(state: number): string {
  return containerStateNames.get(state) ?? "";
}

export function unknownContainerStatus(): ContainerStatus {
  return { ...emptyContainerStatus(), exitCode: unknownExitCode, reason: unknownExitReason, unknown: true };
}

export function unknownSandboxStatus(): SandboxStatus {
  return { pid: 0, createdAt: GO_ZERO_TIME_UNIX_NANO, state: SandboxState.Unknown };
}
