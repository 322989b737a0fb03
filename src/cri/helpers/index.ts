// containerd v1.5.7's pkg/cri/server/helpers.go, function by function, under the same names.

export * from "./constants.ts";
export * from "./names.ts";
export * from "./dirs.ts";
export * from "./status.ts";
export * from "./labels.ts";
export * from "./annotations.ts";
export * from "./mounts.ts";
export * from "./user.ts";
export * from "./auth.ts";
export * from "./images.ts";
export * from "./containers.ts";
