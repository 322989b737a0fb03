// Names a test passes as plain strings (operation names, error kinds, CRI methods) are checked when
// they are given: a misspelt one would otherwise be accepted and never match anything.

/**
 * Throws unless `name` is one of `valid`: the error names what was wrong, the closest valid name
 * when one is near, and every valid name.
 */
export function checkName<T extends string>(what: string, name: unknown, valid: readonly T[]): asserts name is T {
  if ((valid as readonly unknown[]).includes(name)) return;
  const near = typeof name === "string" ? closest(name, valid) : undefined;
  throw new TypeError(
    `unknown ${what} ${JSON.stringify(name)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ""}; ` +
      `valid: ${valid.join(", ")}`,
  );
}

/** The valid name nearest to `name` by edit distance, ignoring case and separators, if near enough. */
function closest(name: string, valid: readonly string[]): string | undefined {
  const plain = (s: string) => s.toLowerCase().replace(/[\s._-]/g, "");
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const d = distance(plain(name), plain(candidate));
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}
