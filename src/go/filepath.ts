// Go's path/filepath Clean and Join as they behave on Linux ("/" is the only separator, no volumes).
// Only "/" and "." are significant and both are ASCII, so working on UTF-16 code units gives the same
// result as Go's byte-wise walk: every other character, even a lone surrogate, is copied unchanged.

/**
 * Go's filepath.Clean: the shortest equivalent path by lexical processing alone. Repeated slashes
 * collapse, "." elements go, ".." removes the element before it (and is dropped at the root of an
 * absolute path, kept at the front of a relative one). An empty result is ".".
 */
/** What Clean would change: an empty or "." / ".." element, a doubled or trailing "/". */
const changedByClean = /^$|\/\/|(?:^|\/)\.\.?(?:\/|$)|[^]\/$/;

export function clean(path: string): string {
  // Most paths handed to Clean are clean already (and this is on every file path the plugin makes).
  if (!changedByClean.test(path)) return path;
  const rooted = path.startsWith("/");
  const kept: string[] = [];
  // Leading ".." elements of a relative path cannot be resolved; this many of `kept` are those.
  let unresolvedParents = 0;
  for (const element of path.split("/")) {
    if (element === "" || element === ".") continue;
    if (element !== "..") {
      kept.push(element);
    } else if (kept.length > unresolvedParents) {
      kept.pop();
    } else if (!rooted) {
      kept.push("..");
      unresolvedParents++;
    }
  }
  const joined = kept.join("/");
  if (rooted) return "/" + joined;
  return joined === "" ? "." : joined;
}

/**
 * Go's filepath.Join: the non-empty elements joined with "/" and cleaned; "" when every element is
 * empty (or there are none).
 */
export function join(...elements: string[]): string {
  const first = elements.findIndex((e) => e !== "");
  return first < 0 ? "" : clean(elements.slice(first).join("/"));
}
