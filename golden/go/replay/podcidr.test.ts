// Replays golden/go/podcidr.json (containerd v1.6.20's UpdateRuntimeConfig CIDR split and getRoutes,
// net.ParseCIDR underneath) against src/cri/server/update-runtime-config.ts.
import { getRoutes } from "../../../src/cri/server/update-runtime-config.ts";
import { type GoString, outcomeOf, replayGolden } from "./golden.ts";

replayGolden("podcidr", {
  getRoutes: (input: GoString) => outcomeOf(() => getRoutes((input as string).split(",").map((s) => s.trim()))),
});
