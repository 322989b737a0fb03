// containerd's platforms package as far as image resolution needs it: normalisation, the
// single-platform matcher with its fallbacks (amd64 also runs 386; arm64 runs arm v8..v5; armN runs
// lower arm variants) and the preference order among matches.

/** An OCI platform (os, architecture, variant). */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
  osFeatures?: string[];
}

/** Matches platforms and orders matches by preference (Go's platforms.MatchComparer). */
export interface PlatformMatcher {
  match(platform: Platform): boolean;
  less(a: Platform, b: Platform): boolean;
}

/** The platform the fake pretends to run on, as containerd on a linux/amd64 host. */
export const defaultPlatform: Platform = { os: "linux", architecture: "amd64" };

export function normalizePlatform(p: Platform): Platform {
  // The fake's host OS stands in for Go's runtime.GOOS when the OS is empty.
  let os = p.os === "" ? defaultPlatform.os : p.os.toLowerCase();
  if (os === "macos") os = "darwin";
  let arch = p.architecture.toLowerCase();
  let variant = (p.variant ?? "").toLowerCase();
  switch (arch) {
    case "i386":
      arch = "386";
      variant = "";
      break;
    case "x86_64":
    case "x86-64":
    case "amd64":
      arch = "amd64";
      if (variant === "v1") variant = "";
      break;
    case "aarch64":
    case "arm64":
      arch = "arm64";
      if (variant === "8" || variant === "v8") variant = "";
      break;
    case "armhf":
      arch = "arm";
      variant = "v7";
      break;
    case "armel":
      arch = "arm";
      variant = "v6";
      break;
    case "arm":
      if (variant === "" || variant === "7") variant = "v7";
      else if (variant === "5" || variant === "6" || variant === "8") variant = `v${variant}`;
      break;
  }
  return withVariant({ ...p, os, architecture: arch }, variant);
}

function withVariant(p: Platform, variant: string): Platform {
  const { variant: _dropped, ...rest } = p;
  return variant === "" ? rest : { ...rest, variant };
}

/** Go's Atoi on a "vN" variant; NaN when it is not a plain decimal. */
function variantNumber(variant: string | undefined): number {
  const digits = (variant ?? "").replace(/^v/, "");
  return /^[+-]?\d+$/.test(digits) ? Number(digits) : NaN;
}

function platformVector(p: Platform): Platform[] {
  const vector = [p];
  const same = (architecture: string, variant: string): Platform =>
    withVariant({ ...p, architecture }, variant);
  switch (p.architecture) {
    case "amd64": {
      const version = variantNumber(p.variant);
      if (version > 1) for (let v = version - 1; v >= 1; v--) vector.push(same("amd64", `v${v}`));
      vector.push(same("386", ""));
      break;
    }
    case "arm": {
      const version = variantNumber(p.variant);
      if (version > 5) for (let v = version - 1; v >= 5; v--) vector.push(same("arm", `v${v}`));
      break;
    }
    case "arm64":
      vector.push(...platformVector(same("arm", p.variant || "v8")));
      break;
  }
  return vector;
}

function exactMatcher(target: Platform): (p: Platform) => boolean {
  const want = normalizePlatform(target);
  return (p) => {
    const got = normalizePlatform(p);
    return got.os === want.os && got.architecture === want.architecture && (got.variant ?? "") === (want.variant ?? "");
  };
}

/** Matchers tried in order; a platform matched by an earlier one sorts first. */
function ordered(platforms: Platform[]): PlatformMatcher {
  const matchers = platforms.map(exactMatcher);
  return {
    match: (p) => matchers.some((m) => m(p)),
    less: (a, b) => {
      for (const m of matchers) {
        const am = m(a);
        const bm = m(b);
        if (am && !bm) return true;
        if (am || bm) return false;
      }
      return false;
    },
  };
}

/** Go's platforms.Only: the platform and the ones it can also run, preferred in that order. */
export function onlyPlatform(p: Platform): PlatformMatcher {
  return ordered(platformVector(normalizePlatform(p)));
}

/** Go's platforms.All: matches everything, no preference. */
export const allPlatforms: PlatformMatcher = { match: () => true, less: () => false };

/** The default platform's matcher, built once: image reads on every container create use it. */
let defaultMatcher: PlatformMatcher | undefined;

/** A matcher from a platform, a ready matcher, or the default platform when undefined. */
export function platformMatcher(p: Platform | PlatformMatcher | undefined): PlatformMatcher {
  if (p === undefined) return (defaultMatcher ??= onlyPlatform(defaultPlatform));
  return "match" in p ? p : onlyPlatform(p);
}

/** Go's platforms.Format: "os/arch[/variant]". */
export function formatPlatform(p: Platform): string {
  if (p.os === "") return "unknown";
  return [p.os, p.architecture, p.variant].filter((s) => s !== undefined && s !== "").join("/");
}

/** Go's sort.SliceStable by the matcher's preference, entries without a platform last. */
export function sortByPlatform<T extends { platform?: Platform }>(items: T[], matcher: PlatformMatcher): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((x, y) => {
      const a = x.item.platform;
      const b = y.item.platform;
      if (!a || !b) return a ? -1 : b ? 1 : x.index - y.index;
      if (matcher.less(a, b)) return -1;
      if (matcher.less(b, a)) return 1;
      return x.index - y.index;
    })
    .map(({ item }) => item);
}
