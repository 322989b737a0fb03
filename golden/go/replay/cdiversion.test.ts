// Replays golden/go/cdiversion.json (the CDI library containerd v2.4.2 vendors, v1.1.1: a spec's
// cdiVersion against the fields it uses, ValidateVersion) against src/cri/oci/cdi.ts.
import { validateCdiVersion } from "../../../src/cri/oci/cdi.ts";
import { outcomeOf, replayGolden } from "./golden.ts";

replayGolden("cdiversion", {
  validateVersion: (input: string) => outcomeOf(() => validateCdiVersion(JSON.parse(input))),
});
