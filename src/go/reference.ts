// containerd v1.5.7 reference/docker: the docker image reference grammar
//
//   reference := name [":" tag] ["@" digest]
//   name      := [domain "/"] path-component ["/" path-component]*
//
// Go matches it with RE2 regexps. Ported as JS regexps the path-component pattern backtracks
// exponentially, so the grammar is checked by hand here; where the grammar is ambiguous (is the
// first segment a domain?) the result is the one Go's leftmost-first submatch picks.
import { type Digest, findDigestFault, parseDigest, utf8Length } from "./digest.ts";

/** A name only (Go's repository). */
export interface Repository {
  readonly kind: "repository";
  readonly domain: string;
  readonly path: string;
}

/** A name with a tag (Go's taggedReference). */
export interface TaggedReference {
  readonly kind: "taggedReference";
  readonly domain: string;
  readonly path: string;
  readonly tag: string;
}

/** A name with a digest (Go's canonicalReference). */
export interface CanonicalReference {
  readonly kind: "canonicalReference";
  readonly domain: string;
  readonly path: string;
  readonly digest: Digest;
}

/** A name with both a tag and a digest (Go's reference struct). */
export interface TaggedCanonicalReference {
  readonly kind: "reference";
  readonly domain: string;
  readonly path: string;
  readonly tag: string;
  readonly digest: Digest;
}

/** A bare digest (Go's digestReference); it has no name. */
export interface DigestReference {
  readonly kind: "digestReference";
  readonly digest: Digest;
}

export type Named = Repository | TaggedReference | CanonicalReference | TaggedCanonicalReference;
export type Reference = Named | DigestReference;
export type Tagged = TaggedReference | TaggedCanonicalReference;
export type NamedTagged = Tagged;
export type Digested = CanonicalReference | TaggedCanonicalReference | DigestReference;
export type Canonical = CanonicalReference | TaggedCanonicalReference;

// Each guard is true exactly when Go's type assertion to the interface of that name holds.
export function isNamed(ref: Reference): ref is Named {
  return ref.kind !== "digestReference";
}
export function isTagged(ref: Reference): ref is Tagged {
  return ref.kind === "taggedReference" || ref.kind === "reference";
}
export function isNamedTagged(ref: Reference): ref is NamedTagged {
  return isTagged(ref);
}
export function isDigested(ref: Reference): ref is Digested {
  return ref.kind === "canonicalReference" || ref.kind === "reference" || ref.kind === "digestReference";
}
export function isCanonical(ref: Reference): ref is Canonical {
  return ref.kind === "canonicalReference" || ref.kind === "reference";
}

export const NAME_TOTAL_LENGTH_MAX = 255;
const DEFAULT_DOMAIN = "docker.io";
const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
const OFFICIAL_REPO_NAME = "library";
const DEFAULT_TAG = "latest";

/** Any error the reference parsers raise about their input. */
export class InvalidReferenceError extends Error {
  override name = "InvalidReferenceError";
}
export class ReferenceFormatError extends InvalidReferenceError {
  override name = "ReferenceFormatError";
  constructor() {
    super("invalid reference format");
  }
}
export class TagFormatError extends InvalidReferenceError {
  override name = "TagFormatError";
  constructor() {
    super("invalid tag format");
  }
}
export class DigestFormatError extends InvalidReferenceError {
  override name = "DigestFormatError";
  constructor() {
    super("invalid digest format");
  }
}
export class NameContainsUppercaseError extends InvalidReferenceError {
  override name = "NameContainsUppercaseError";
  constructor() {
    super("repository name must be lowercase");
  }
}
export class NameEmptyError extends InvalidReferenceError {
  override name = "NameEmptyError";
  constructor() {
    super("repository name must have at least one component");
  }
}
export class NameTooLongError extends InvalidReferenceError {
  override name = "NameTooLongError";
  constructor() {
    super(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
}
export class NameNotCanonicalError extends InvalidReferenceError {
  override name = "NameNotCanonicalError";
  constructor() {
    super("repository name must be canonical");
  }
}
/** ParseNormalizedNamed refuses a bare 64-hex string, which would be an image ID. */
export class HexadecimalNameError extends InvalidReferenceError {
  override name = "HexadecimalNameError";
  constructor(input: string) {
    super(`invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`);
  }
}
/**
 * ParseNormalizedNamed's own check on the repository part, worded apart from
 * NameContainsUppercaseError. `remoteName`: that part (newer Go references name it in the text).
 */
export class RemoteNameUppercaseError extends InvalidReferenceError {
  override name = "RemoteNameUppercaseError";
  readonly remoteName: string;
  constructor(remoteName: string) {
    super("invalid reference format: repository name must be lowercase");
    this.remoteName = remoteName;
  }
}

/** Go's String(). */
export function referenceString(ref: Reference): string {
  switch (ref.kind) {
    case "repository":
      return joinName(ref.domain, ref.path);
    case "taggedReference":
      return joinName(ref.domain, ref.path) + ":" + ref.tag;
    case "canonicalReference":
      return joinName(ref.domain, ref.path) + "@" + ref.digest;
    case "reference":
      return joinName(ref.domain, ref.path) + ":" + ref.tag + "@" + ref.digest;
    case "digestReference":
      return ref.digest;
  }
}

/** Go's Name(): the domain and path. */
export function referenceName(named: Named): string {
  return joinName(named.domain, named.path);
}

export function domain(named: Named): string {
  return named.domain;
}

export function path(named: Named): string {
  return named.path;
}

function joinName(domainPart: string, pathPart: string): string {
  return domainPart === "" ? pathPart : domainPart + "/" + pathPart;
}

/** Go's reference.Parse: any syntactically valid reference, not normalized. */
export function parse(s: string): Named {
  const m = matchReference(s);
  if (m === undefined) {
    if (s === "") throw new NameEmptyError();
    if (matchReference(lowerForRetry(s)) !== undefined) throw new NameContainsUppercaseError();
    throw new ReferenceFormatError();
  }
  if (m.nameLength > NAME_TOTAL_LENGTH_MAX) throw new NameTooLongError();
  // The grammar requires a path, so a match always has a name; Go's digest-only and
  // empty-name outcomes cannot arise here.
  if (m.digest === "") {
    if (m.tag === "") return { kind: "repository", domain: m.domain, path: m.path };
    return { kind: "taggedReference", domain: m.domain, path: m.path, tag: m.tag };
  }
  const digest = parseDigest(m.digest);
  if (m.tag === "") return { kind: "canonicalReference", domain: m.domain, path: m.path, digest };
  return { kind: "reference", domain: m.domain, path: m.path, tag: m.tag, digest };
}

/** Go's ParseNamed: like parseNormalizedNamed, but the input must already be in normalized form. */
export function parseNamed(s: string): Named {
  const named = parseNormalizedNamed(s);
  if (referenceString(named) !== s) throw new NameNotCanonicalError();
  return named;
}

/** Go's ParseNormalizedNamed: a familiar name ("ubuntu") becomes "docker.io/library/ubuntu". */
export function parseNormalizedNamed(s: string): Named {
  if (isIdentifier(s)) throw new HexadecimalNameError(s);
  let domainPart = DEFAULT_DOMAIN;
  let remainder = s;
  const slash = s.indexOf("/");
  if (slash !== -1) {
    const first = s.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost") {
      domainPart = first;
      remainder = s.slice(slash + 1);
    }
  }
  if (domainPart === LEGACY_DEFAULT_DOMAIN) domainPart = DEFAULT_DOMAIN;
  if (domainPart === DEFAULT_DOMAIN && !remainder.includes("/")) remainder = OFFICIAL_REPO_NAME + "/" + remainder;
  const tagSep = remainder.indexOf(":");
  const remoteEnd = tagSep === -1 ? remainder.length : tagSep;
  if (lowercaseChanges(remainder, remoteEnd)) throw new RemoteNameUppercaseError(remainder.slice(0, remoteEnd));
  return parse(domainPart + "/" + remainder);
}

/**
 * Go's ParseDockerRef: normalizes, adds "latest" to a bare name, and drops the tag when a digest is
 * present too (the digest alone identifies the image).
 */
export function parseDockerRef(s: string): Named {
  const named = parseNormalizedNamed(s);
  if (named.kind === "reference") return withDigest(withName(referenceName(named)), named.digest);
  return tagNameOnly(named);
}

/** Go's ParseAnyReference: an image ID or a digest becomes a digest reference, anything else a name. */
export function parseAnyReference(s: string): Reference {
  if (isIdentifier(s)) return { kind: "digestReference", digest: ("sha256:" + s) as Digest };
  if (findDigestFault(s) === undefined) return { kind: "digestReference", digest: s as Digest };
  return parseNormalizedNamed(s);
}

/** Go's WithName: a repository from a name without tag or digest. */
export function withName(name: string): Repository {
  if (utf8Length(name) > NAME_TOTAL_LENGTH_MAX) throw new NameTooLongError();
  const split = splitName(name, 0, name.length);
  if (split === undefined) throw new ReferenceFormatError();
  return { kind: "repository", domain: split.domain, path: split.path };
}

/** Go's WithTag: keeps a digest the name already has. */
export function withTag(name: Named, tag: string): NamedTagged {
  if (!isTag(tag, 0, tag.length)) throw new TagFormatError();
  if (isCanonical(name)) return { kind: "reference", domain: name.domain, path: name.path, tag, digest: name.digest };
  return { kind: "taggedReference", domain: name.domain, path: name.path, tag };
}

/** Go's WithDigest: checks only the digest's syntax, and keeps a tag the name already has. */
export function withDigest(name: Named, digest: Digest): Canonical {
  if (!isDigestSyntax(digest, 0, digest.length)) throw new DigestFormatError();
  if (isTagged(name)) return { kind: "reference", domain: name.domain, path: name.path, tag: name.tag, digest };
  return { kind: "canonicalReference", domain: name.domain, path: name.path, digest };
}

/** Go's TrimNamed: the name without tag or digest. */
export function trimNamed(named: Named): Repository {
  return { kind: "repository", domain: named.domain, path: named.path };
}

/** Go's IsNameOnly: neither a tag nor a digest. */
export function isNameOnly(named: Named): boolean {
  return !isTagged(named) && !isCanonical(named);
}

/** Go's TagNameOnly: adds the "latest" tag to a name that has neither tag nor digest. */
export function tagNameOnly(named: Named): Named {
  return isNameOnly(named) ? withTag(named, DEFAULT_TAG) : named;
}

/** Go's FamiliarName: the name as the docker CLI shows it ("docker.io/library/redis" is "redis"). */
export function familiarName(named: Named): string {
  const familiar = familiarize(named.domain, named.path);
  return joinName(familiar.domain, familiar.path);
}

/** Go's FamiliarString: the whole reference in familiar form; a digest reference is unchanged. */
export function familiarString(ref: Reference): string {
  if (ref.kind === "digestReference") return ref.digest;
  return referenceString({ ...ref, ...familiarize(ref.domain, ref.path) });
}

function familiarize(domainPart: string, pathPart: string): { domain: string; path: string } {
  if (domainPart !== DEFAULT_DOMAIN) return { domain: domainPart, path: pathPart };
  const parts = pathPart.split("/");
  if (parts.length === 2 && parts[0] === OFFICIAL_REPO_NAME) return { domain: "", path: parts[1]! };
  return { domain: "", path: pathPart };
}

// ---- the grammar, checked by hand over index ranges of the input ----

interface ReferenceMatch {
  domain: string;
  path: string;
  nameLength: number;
  tag: string;
  digest: string;
}

/** The captures of Go's anchored ReferenceRegexp, or undefined when it does not match. */
function matchReference(s: string): ReferenceMatch | undefined {
  let end = s.length;
  let digest = "";
  const at = s.indexOf("@");
  if (at !== -1) {
    if (!isDigestSyntax(s, at + 1, s.length)) return undefined;
    digest = s.slice(at + 1);
    end = at;
  }
  // A tag holds neither ':' nor '/', and a name holds ':' only before a '/' (the domain's port),
  // so a tag, if any, is whatever follows the last ':' when no '/' follows it.
  let tag = "";
  const colon = end === 0 ? -1 : s.lastIndexOf(":", end - 1);
  if (colon !== -1) {
    const slash = s.indexOf("/", colon + 1);
    if (slash === -1 || slash >= end) {
      if (!isTag(s, colon + 1, end)) return undefined;
      tag = s.slice(colon + 1, end);
      end = colon;
    }
  }
  const split = splitName(s, 0, end);
  if (split === undefined) return undefined;
  return { domain: split.domain, path: split.path, nameLength: end, tag, digest };
}

/**
 * Go's anchoredNameRegexp: the first segment is the domain whenever it can be (leftmost-first
 * prefers taking the optional domain group), otherwise the whole name is the path.
 */
function splitName(s: string, start: number, end: number): { domain: string; path: string } | undefined {
  const slash = s.indexOf("/", start);
  if (slash !== -1 && slash < end && isDomain(s, start, slash) && isPath(s, slash + 1, end)) {
    return { domain: s.slice(start, slash), path: s.slice(slash + 1, end) };
  }
  if (isPath(s, start, end)) return { domain: "", path: s.slice(start, end) };
  return undefined;
}

/** domain := component ("." component)* (":" [0-9]+)?, a component being alphanumerics with inner dashes. */
function isDomain(s: string, start: number, end: number): boolean {
  let i = start;
  for (;;) {
    if (i >= end || !isAlnum(s.charCodeAt(i))) return false;
    let last = s.charCodeAt(i++);
    while (i < end) {
      const c = s.charCodeAt(i);
      if (!isAlnum(c) && c !== DASH) break;
      last = c;
      i++;
    }
    if (last === DASH) return false;
    if (i === end) return true;
    const c = s.charCodeAt(i++);
    if (c === DOT) continue;
    if (c !== COLON || i === end) return false;
    for (; i < end; i++) if (!isDigit(s.charCodeAt(i))) return false;
    return true;
  }
}

/** One or more path components joined by "/". */
function isPath(s: string, start: number, end: number): boolean {
  let componentStart = start;
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) === SLASH) {
      if (!isPathComponent(s, componentStart, i)) return false;
      componentStart = i + 1;
    }
  }
  return isPathComponent(s, componentStart, end);
}

/** Lowercase alphanumeric runs joined by exactly one separator: ".", "_", "__" or any number of "-". */
function isPathComponent(s: string, start: number, end: number): boolean {
  let i = start;
  for (;;) {
    if (i >= end || !isLowerAlnum(s.charCodeAt(i))) return false;
    i++;
    while (i < end && isLowerAlnum(s.charCodeAt(i))) i++;
    if (i === end) return true;
    const c = s.charCodeAt(i++);
    if (c === UNDERSCORE) {
      if (i < end && s.charCodeAt(i) === UNDERSCORE) i++;
    } else if (c === DASH) {
      while (i < end && s.charCodeAt(i) === DASH) i++;
    } else if (c !== DOT) {
      return false;
    }
  }
}

/** tag := [\w][\w.-]{0,127} */
function isTag(s: string, start: number, end: number): boolean {
  const length = end - start;
  if (length < 1 || length > 128 || !isWord(s.charCodeAt(start))) return false;
  for (let i = start + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!isWord(c) && c !== DOT && c !== DASH) return false;
  }
  return true;
}

/** digest := [A-Za-z][A-Za-z0-9]* ([-_+.][A-Za-z][A-Za-z0-9]*)* ":" [0-9a-fA-F]{32,} */
function isDigestSyntax(s: string, start: number, end: number): boolean {
  let i = start;
  for (;;) {
    if (i >= end || !isLetter(s.charCodeAt(i))) return false;
    i++;
    while (i < end && isAlnum(s.charCodeAt(i))) i++;
    if (i >= end) return false;
    const c = s.charCodeAt(i++);
    if (c === COLON) break;
    if (c !== DASH && c !== UNDERSCORE && c !== PLUS && c !== DOT) return false;
  }
  const hexStart = i;
  for (; i < end; i++) if (!isHexDigit(s.charCodeAt(i))) return false;
  return end - hexStart >= 32;
}

/** identifier := [a-f0-9]{64}, an image ID. */
function isIdentifier(s: string): boolean {
  if (s.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c) && !(c >= 0x61 && c <= 0x66)) return false;
  }
  return true;
}

const DASH = 0x2d;
const DOT = 0x2e;
const SLASH = 0x2f;
const COLON = 0x3a;
const PLUS = 0x2b;
const UNDERSCORE = 0x5f;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isLowerAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || isDigit(c);
}
function isLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}
function isAlnum(c: number): boolean {
  return isLetter(c) || isDigit(c);
}
function isWord(c: number): boolean {
  return isAlnum(c) || c === UNDERSCORE;
}
function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

// ---- Go's strings.ToLower, as far as these checks can observe it ----

/**
 * Go's Parse retries the lowercased input to choose its error. The grammar is ASCII, so only the
 * characters that Go lowercases into ASCII matter: A-Z, U+0130 (to "i") and U+212A KELVIN SIGN
 * (to "k"). Every other character either stays or stays non-ASCII, and fails the grammar either way.
 */
function lowerForRetry(s: string): string {
  return s.replace(/[A-Z\u0130\u212a]/g, (ch) => (ch === "\u0130" ? "i" : ch === "\u212a" ? "k" : ch.toLowerCase()));
}

/** Whether Go's strings.ToLower would change s[0:end]. */
function lowercaseChanges(s: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x41 && c <= 0x5a) return true;
      continue;
    }
    const cp = s.codePointAt(i)!;
    if (cp > 0xffff) i++;
    if (hasGoLowercase(cp)) return true;
  }
  return false;
}

// Code points above ASCII that Go's unicode.ToLower changes, from Go 1.26 (Unicode 15.0), as
// hex "lo-hi" ranges; "/2" marks ranges where every other code point is an uppercase letter.
// A table rather than String.prototype.toLowerCase, whose Unicode version differs between
// runtimes and is newer than Go's.
const GO_LOWERCASE_CHANGES = `
c0-d6,d8-de,100-136/2,139-147/2,14a-178/2,179-17d/2,181-182,184-186/2,187-189/2,18a-18b,18e-191,193-194,
196-198,19c-19d,19f-1a0,1a2-1a6/2,1a7-1a9/2,1ac-1ae/2,1af-1b1/2,1b2-1b3,1b5-1b7/2,1b8,1bc,1c4-1c5,1c7-1c8,
1ca-1cb,1cd-1db/2,1de-1ee/2,1f1-1f2,1f4-1f6/2,1f7-1f8,1fa-232/2,23a-23b,23d-23e,241-243/2,244-246,248-24e/2,
370-372/2,376,37f,386-388/2,389-38a,38c-38e/2,38f-391/2,392-3a1,3a3-3ab,3cf,3d8-3ee/2,3f4,3f7-3f9/2,3fa,
3fd-42f,460-480/2,48a-4c0/2,4c1-4cd/2,4d0-52e/2,531-556,10a0-10c5,10c7,10cd,13a0-13f5,1c90-1cba,1cbd-1cbf,
1e00-1e94/2,1e9e-1efe/2,1f08-1f0f,1f18-1f1d,1f28-1f2f,1f38-1f3f,1f48-1f4d,1f59-1f5f/2,1f68-1f6f,1f88-1f8f,
1f98-1f9f,1fa8-1faf,1fb8-1fbc,1fc8-1fcc,1fd8-1fdb,1fe8-1fec,1ff8-1ffc,2126,212a-212b,2132,2160-216f,2183,
24b6-24cf,2c00-2c2f,2c60-2c62/2,2c63-2c64,2c67-2c6d/2,2c6e-2c70,2c72,2c75,2c7e-2c80,2c82-2ce2/2,2ceb-2ced/2,
2cf2,a640-a66c/2,a680-a69a/2,a722-a72e/2,a732-a76e/2,a779-a77d/2,a77e-a786/2,a78b-a78d/2,a790-a792/2,
a796-a7aa/2,a7ab-a7ae,a7b0-a7b4,a7b6-a7c4/2,a7c5-a7c7,a7c9,a7d0,a7d6-a7d8/2,a7f5,ff21-ff3a,10400-10427,
104b0-104d3,10570-1057a,1057c-1058a,1058c-10592,10594-10595,10c80-10cb2,118a0-118bf,16e40-16e5f,1e900-1e921`;

interface CodePointRun {
  lo: number;
  hi: number;
  stride: number;
}

const goLowercaseRuns: CodePointRun[] = GO_LOWERCASE_CHANGES.replace(/\s/g, "")
  .split(",")
  .map((entry) => {
    const [range, stride] = entry.split("/");
    const [lo, hi] = range!.split("-");
    return { lo: parseInt(lo!, 16), hi: parseInt(hi ?? lo!, 16), stride: stride === undefined ? 1 : Number(stride) };
  });

function hasGoLowercase(cp: number): boolean {
  let low = 0;
  let high = goLowercaseRuns.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const run = goLowercaseRuns[mid]!;
    if (cp < run.lo) high = mid - 1;
    else if (cp > run.hi) low = mid + 1;
    else return (cp - run.lo) % run.stride === 0;
  }
  return false;
}
