// Sandbox and container names. The CRI plugin reserves these names, so two requests with the same
// metadata collide; the name is unique exactly as long as the metadata is.

import type { ContainerMetadata, PodSandboxMetadata } from "../api/v1.ts";
import { nameDelimiter } from "./constants.ts";

type SandboxNameParts = Pick<PodSandboxMetadata, "name" | "namespace" | "uid" | "attempt">;

/** `<name>_<namespace>_<uid>_<attempt>` */
export function makeSandboxName(s: SandboxNameParts): string {
  return [s.name, s.namespace, s.uid, String(s.attempt)].join(nameDelimiter);
}

/** `<container name>_<pod name>_<pod namespace>_<pod uid>_<container attempt>` */
export function makeContainerName(c: Pick<ContainerMetadata, "name" | "attempt">, s: SandboxNameParts): string {
  return [c.name, s.name, s.namespace, s.uid, String(c.attempt)].join(nameDelimiter);
}
