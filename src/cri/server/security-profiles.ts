// Security profiles as the CRI plugin resolves them for sandboxes and containers alike: a profile
// from a deprecated profile path (seccomp_profile_path, apparmor_profile), and the seccomp options
// of a node with seccomp (generateSeccompSpecOpts, seccomp.WithProfile).

import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import { SecurityProfile_ProfileType, type SecurityProfile } from "../api/v1.ts";
import { parseGoJson, type ParsedJson } from "../../go/json.ts";
import { readTextFile, type HostFs } from "../host-fs.ts";
import { decodeSeccomp, type LinuxSeccomp } from "./oci-defaults.ts";

const localhostPrefix = "localhost/";

/** generateSecurityProfile: a profile from a deprecated profile path. */
export function generateSecurityProfile(path: string): SecurityProfile {
  switch (path) {
    case "runtime/default":
    case "docker/default":
      return { profileType: SecurityProfile_ProfileType.RuntimeDefault, localhostRef: "" };
    case "unconfined":
      return { profileType: SecurityProfile_ProfileType.Unconfined, localhostRef: "" };
    default:
      if (!path.startsWith(localhostPrefix)) throw new Error(`invalid profile ${quote(path)}`);
      return { profileType: SecurityProfile_ProfileType.Localhost, localhostRef: path.slice(localhostPrefix.length) };
  }
}

/**
 * The seccomp profile file a sandbox or container loads, or undefined: its security context's
 * profile, else its deprecated profile path, else the config's profile for an unset one. Errors
 * read "failed to generate seccomp spec opts: ..." as containerd's do.
 */
export function seccompFileFor(
  context: { seccomp?: SecurityProfile | undefined; seccompProfilePath: string; privileged: boolean } | undefined,
  unsetProfilePath: string,
): string | undefined {
  try {
    let profile = context?.seccomp;
    if (!profile) {
      const path = context?.seccompProfilePath || unsetProfilePath;
      if (path !== "") profile = generateSecurityProfile(path);
    }
    return seccompProfileFile(profile, context?.privileged ?? false);
  } catch (err) {
    throw wrap(err, "failed to generate seccomp spec opts");
  }
}

/**
 * generateSeccompSpecOpts: the localhost profile file to load into the spec, or undefined when the
 * spec keeps no profile (privileged, none asked, unconfined, or runtime/default, whose built-in
 * profile the fake does not reproduce: KNOWN_DIFFERENCES.md).
 */
function seccompProfileFile(profile: SecurityProfile | undefined, privileged: boolean): string | undefined {
  if (privileged || !profile) return undefined;
  if (profile.profileType !== SecurityProfile_ProfileType.Localhost && profile.localhostRef !== "") {
    throw new Error("seccomp config invalid LocalhostRef must only be set if ProfileType is Localhost");
  }
  switch (profile.profileType) {
    case SecurityProfile_ProfileType.Unconfined:
    case SecurityProfile_ProfileType.RuntimeDefault:
      return undefined;
    case SecurityProfile_ProfileType.Localhost:
      return profile.localhostRef.startsWith(localhostPrefix) ? profile.localhostRef.slice(localhostPrefix.length) : profile.localhostRef;
    default:
      throw new Error("seccomp unknown ProfileType");
  }
}

/** seccomp.WithProfile: the profile file from the node, decoded into the spec's seccomp section. */
export function loadSeccompProfile(fs: HostFs, path: string): LinuxSeccomp {
  let text: string;
  try {
    text = readTextFile(fs, path);
  } catch (err) {
    throw new Error(`cannot load seccomp profile ${quote(path)}: ${(err as Error).message}`);
  }
  let parsed: ParsedJson;
  try {
    parsed = parseGoJson(text);
  } catch (err) {
    throw new Error(`decoding seccomp profile failed ${quote(path)}: ${(err as Error).message}`);
  }
  if (parsed !== null && (typeof parsed !== "object" || Array.isArray(parsed))) {
    const kind = Array.isArray(parsed) ? "array" : typeof parsed === "bigint" ? "number" : typeof parsed;
    throw new Error(`decoding seccomp profile failed ${quote(path)}: json: cannot unmarshal ${kind} into Go value of type specs.LinuxSeccomp`);
  }
  return decodeSeccomp(parsed);
}
