// Every scenario, in recording order.

import type { Scenario } from "../scenario.ts";
import { basics } from "./basics.ts";
import { containerd2 } from "./containerd2.ts";
import { containers } from "./containers.ts";
import { exec } from "./exec.ts";
import { exits } from "./exits.ts";
import { images } from "./images.ts";
import { namespaces } from "./namespaces.ts";
import { prefixes } from "./prefixes.ts";
import { privileges } from "./privileges.ts";
import { sandboxes } from "./sandboxes.ts";
import { shell } from "./shell.ts";
import { signals } from "./signals.ts";
import { stats } from "./stats.ts";
import { v1alpha2Scenarios } from "./v1alpha2.ts";
import { verbose } from "./verbose.ts";

export const scenarios: Scenario[] = [
  ...basics,
  ...sandboxes,
  ...containers,
  ...exits,
  ...exec,
  ...privileges,
  ...shell,
  ...signals,
  ...namespaces,
  ...prefixes,
  ...images,
  ...stats,
  ...verbose,
  ...v1alpha2Scenarios,
  ...containerd2,
];

const names = new Set<string>();
for (const { name } of scenarios) {
  if (names.has(name)) throw new Error(`two scenarios are named ${name}`);
  names.add(name);
}
