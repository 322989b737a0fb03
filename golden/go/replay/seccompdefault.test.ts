// Replays golden/go/seccompdefault.json (containerd v1.6.20's contrib/seccomp DefaultProfile, recorded
// on an amd64 node with a kernel past 4.8) against src/cri/oci/seccomp-default.ts, written out as
// the spec's JSON is (src/cri/oci/oci-defaults.ts).
import { createHash } from "node:crypto";
import { defaultPlatform } from "../../../fake-containerd/images/platforms.ts";
import { specJson } from "../../../src/cri/oci/oci-defaults.ts";
import { defaultSeccompProfile } from "../../../src/cri/oci/seccomp-default.ts";
import { outcomeOf, replayGolden } from "./golden.ts";

interface ProfileInput {
  bounding: string[] | null;
}

const profileText = ({ bounding }: ProfileInput) => specJson({ ociVersion: "", linux: { seccomp: defaultSeccompProfile(bounding ?? []) } });

replayGolden("seccompdefault", {
  // The port models the fake's node: its platform's architecture, and a kernel that has ptrace.
  node: () => outcomeOf(() => ({ goarch: defaultPlatform.architecture, kernelAtLeast4_8: true })),
  defaultProfile: (input: ProfileInput) => outcomeOf(() => profileText(input)),
  profileDigest: (input: ProfileInput) =>
    outcomeOf(() => {
      const profile = defaultSeccompProfile(input.bounding ?? []);
      return { rules: profile.syscalls!.length, sha256: createHash("sha256").update(profileText(input)).digest("hex") };
    }),
});
