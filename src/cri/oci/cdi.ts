// CDI devices (Container Device Interface) a CreateContainer request asks for, as containerd 2.x
// collects them: the config's CDIDevices in order, then the devices named by `cdi.k8s.io/<any>`
// annotations, each device once. containerd resolves them from the CDI specs in its spec dirs; the
// fake reads no CDI spec, so every requested device is unresolvable, as on a node whose spec dirs
// are empty (golden/cri/2.4/cdi-devices-unresolvable.json).

import type { CDIDevice } from "../api/v1.ts";

const annotationPrefix = "cdi.k8s.io/";

/** `vendor.com/class=name`: the qualified device name an annotation must give. */
const qualifiedName = /^[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9]?\/[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9]?=[A-Za-z0-9_.:-]+$/;

/**
 * The devices the request names, each once. An annotation's value is a comma-separated list of
 * qualified names; one that is not fails the request. The annotations are read in key order
 * (containerd reads them in Go's map order).
 */
export function requestedCdiDevices(cdiDevices: readonly CDIDevice[], annotations: Readonly<Record<string, string>>): string[] {
  const devices = new Set(cdiDevices.map((device) => device.name));
  const keys = Object.keys(annotations)
    .filter((key) => key.startsWith(annotationPrefix))
    .sort();
  for (const key of keys) {
    for (const name of annotations[key]!.split(",")) {
      if (!qualifiedName.test(name)) throw new Error(`failed to parse CDI device annotations: invalid CDI device name ${JSON.stringify(name)}`);
      devices.add(name);
    }
  }
  return [...devices];
}

/** Injecting the devices into the spec: none resolves. */
export function injectCdiDevices(devices: readonly string[]): void {
  if (devices.length === 0) return;
  throw new Error(`CDI device injection failed: unresolvable CDI devices ${devices.join(", ")}`);
}
