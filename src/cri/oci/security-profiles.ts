// Security profiles as the CRI plugin resolves them for sandboxes and containers alike: a profile
// from a deprecated profile path (seccomp_profile_path, apparmor_profile), and the seccomp options
// of a node with seccomp (generateSeccompSpecOpts, seccomp.WithDefaultProfile and WithProfile).

import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import { SecurityProfile_ProfileType, type SecurityProfile } from "../api/v1.ts";
import { parseGoJson, type ParsedJson } from "../../go/json.ts";
import { decodeSeccomp, type LinuxSeccomp, type RuntimeSpec } from "./oci-defaults.ts";
import { defaultSeccompProfile } from "./seccomp-default.ts";

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

/** A spec option that sets the spec's seccomp profile. */
export type SeccompSpecOpt = (spec: RuntimeSpec) => void;

/** Where a Localhost seccomp profile is read from (a node file): PreparedPaths or the in-memory files. */
export interface ProfileFiles {
  readText(path: string): string;
}

type SeccompContext = { seccomp?: SecurityProfile | undefined; seccompProfilePath: string; privileged: boolean } | undefined;

/**
 * The node file seccompSpecOpt will read for a Localhost profile, if it reads one: what a caller
 * looks at beforehand, so the spec is built without waiting on the node.
 */
export function seccompProfileFile(context: SeccompContext, unsetProfilePath: string): string | undefined {
  let profile = context?.seccomp;
  if (!profile) {
    const path = context?.seccompProfilePath || unsetProfilePath;
    if (!path.startsWith(localhostPrefix)) return undefined;
    profile = generateSecurityProfile(path);
  }
  if (context?.privileged || profile.profileType !== SecurityProfile_ProfileType.Localhost) return undefined;
  return localhostPath(profile.localhostRef);
}

function localhostPath(ref: string): string {
  return ref.startsWith(localhostPrefix) ? ref.slice(localhostPrefix.length) : ref;
}

/**
 * The seccomp option of a sandbox or container, or undefined when its spec keeps no profile: for
 * its security context's profile, else its deprecated profile path, else the config's profile for
 * an unset one. Errors read "failed to generate seccomp spec opts: ..." as containerd's do.
 */
export function seccompSpecOpt(context: SeccompContext, unsetProfilePath: string, files: ProfileFiles): SeccompSpecOpt | undefined {
  try {
    let profile = context?.seccomp;
    if (!profile) {
      const path = context?.seccompProfilePath || unsetProfilePath;
      if (path !== "") profile = generateSecurityProfile(path);
    }
    return generateSeccompSpecOpt(profile, context?.privileged ?? false, files);
  } catch (err) {
    throw wrap(err, "failed to generate seccomp spec opts");
  }
}

/** generateSeccompSpecOpts: none for a privileged process, an unconfined one, or none asked. */
function generateSeccompSpecOpt(profile: SecurityProfile | undefined, privileged: boolean, files: ProfileFiles): SeccompSpecOpt | undefined {
  if (privileged || !profile) return undefined;
  if (profile.profileType !== SecurityProfile_ProfileType.Localhost && profile.localhostRef !== "") {
    throw new Error("seccomp config invalid LocalhostRef must only be set if ProfileType is Localhost");
  }
  switch (profile.profileType) {
    case SecurityProfile_ProfileType.Unconfined:
      return undefined;
    case SecurityProfile_ProfileType.RuntimeDefault:
      return withDefaultProfile;
    case SecurityProfile_ProfileType.Localhost: {
      const path = localhostPath(profile.localhostRef);
      return (spec) => {
        (spec.linux ??= {}).seccomp = loadSeccompProfile(files, path);
      };
    }
    default:
      throw new Error("seccomp unknown ProfileType");
  }
}

/**
 * seccomp.WithDefaultProfile. containerd applies it after the whole spec is generated, so the
 * profile follows the spec's final bounding capabilities.
 */
const withDefaultProfile: SeccompSpecOpt = (spec) => {
  (spec.linux ??= {}).seccomp = defaultSeccompProfile(spec.process?.capabilities?.bounding ?? []);
};

/** seccomp.WithProfile: the profile file from the node, decoded into the spec's seccomp section. */
function loadSeccompProfile(files: ProfileFiles, path: string): LinuxSeccomp {
  let text: string;
  try {
    text = files.readText(path);
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
