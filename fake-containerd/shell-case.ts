// `case WORD in PATTERN[|PATTERN]...) COMMANDS ;; ... esac` in a `sh -c` script. Its `)` and `;;`
// are not the script's syntax, so each case is taken out of the script before the script is split
// into statements, and a marker word is left in its place: a command the shell runs as the case.
// Bodies are script text of their own (which may hold more cases). Patterns match as ash matches
// them: `*`, `?` and `[...]` (`[!...]`), with quoted or escaped characters and quoted expansions
// plain text.

/** A case as found in a script: its word and its items, as source text (the word and patterns expanded when it runs). */
export interface CaseSource {
  word: string;
  items: Array<{ patterns: string[]; body: string }>;
}

/** The word a case leaves in the script: one no script writes (it starts with \u0001). */
export const caseMarker = "\u0001case";

/** Where a case can start: at a command's place, after a separator or a keyword that opens a body. */
const caseStart = /(?:^|[;\n&|]|\b(?:then|do|else))[ \t]*(case)(?=[ \t\n])/g;
const caseWords = /\b(case|esac)\b/g;

/**
 * The script with each case (outside quotes, which `shape` masks) replaced by `caseMarker` and its
 * index among `found`; undefined when a case does not close or its items do not parse.
 */
export function extractCases(script: string, shape: string, found: CaseSource[]): { script: string; shape: string } | undefined {
  caseStart.lastIndex = 0;
  const m = caseStart.exec(shape);
  if (!m) return { script, shape };
  const start = m.index + m[0].length - "case".length;
  const end = matchingEsac(shape, start);
  if (end < 0) return undefined;
  const source = parseCase(script.slice(start + 4, end - 4), shape.slice(start + 4, end - 4));
  if (!source) return undefined;
  const marker = `${caseMarker}${found.length}`;
  found.push(source);
  // The marker stands in for the whole case; what follows may hold more.
  return extractCases(script.slice(0, start) + marker + script.slice(end), shape.slice(0, start) + marker + shape.slice(end), found);
}

/** The index just past the `esac` closing the case that starts at `start`, or -1. */
function matchingEsac(shape: string, start: number): number {
  let depth = 0;
  caseWords.lastIndex = start;
  for (let m = caseWords.exec(shape); m; m = caseWords.exec(shape)) {
    depth += m[1] === "case" ? 1 : -1;
    if (depth === 0) return m.index + 4;
  }
  return -1;
}

/** ` WORD in ITEMS ` (what lies between `case` and `esac`). */
function parseCase(text: string, shape: string): CaseSource | undefined {
  const head = /^\s*(\S+)\s+in(?=\s)/.exec(shape);
  if (!head) return undefined;
  const word = text.slice(head.index + head[0].indexOf(head[1]!), head.index + head[0].indexOf(head[1]!) + head[1]!.length);
  const items: CaseSource["items"] = [];
  let at = head[0].length;
  for (;;) {
    while (at < shape.length && /\s/.test(shape[at]!)) at++;
    if (at >= shape.length) return { word, items };
    if (shape[at] === "(") at++;
    const close = shape.indexOf(")", at);
    if (close < 0) return undefined;
    const patterns: string[] = [];
    let from = at;
    for (let i = at; i <= close; i++) {
      if (i < close && shape[i] !== "|") continue;
      const pattern = text.slice(from, i).trim();
      if (pattern === "") return undefined;
      patterns.push(pattern);
      from = i + 1;
    }
    const end = itemEnd(shape, close + 1);
    items.push({ patterns, body: text.slice(close + 1, end) });
    at = end + 2;
  }
}

/** Where an item's body ends: its `;;` (past any case inside it), or the end of the case. */
function itemEnd(shape: string, from: number): number {
  for (let i = from; i < shape.length; i++) {
    if (shape.startsWith(";;", i)) return i;
    if (/^case\s/.test(shape.slice(i, i + 5)) && (i === 0 || /[\s;&|]/.test(shape[i - 1]!))) {
      const end = matchingEsac(shape, i);
      if (end < 0) return shape.length;
      i = end - 1;
    }
  }
  return shape.length;
}

/**
 * A case pattern as a regular expression: `*`, `?` and bracket expressions unquoted; quoted and
 * escaped characters, and what quoted `$NAME` / `${NAME}` expand to, plain; an unquoted expansion's
 * value is itself a pattern. Undefined for a pattern it does not follow.
 */
export function casePattern(pattern: string, variables: ReadonlyMap<string, string>): RegExp | undefined {
  let source = "";
  let quote: "'" | '"' | undefined;
  const plain = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else source += plain(ch);
      continue;
    }
    if (ch === "\\" && i + 1 < pattern.length) {
      source += plain(pattern[++i]!);
      continue;
    }
    if (ch === "$") {
      const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(pattern.slice(i));
      if (!m) return undefined;
      const value = variables.get(m[1] ?? m[2]!) ?? "";
      if (quote === '"') source += plain(value);
      else {
        const inner = casePattern(value.replace(/["'\\$]/g, "\\$&"), variables);
        if (!inner) return undefined;
        source += inner.source.slice(1, -1);
      }
      i += m[0].length - 1;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else source += plain(ch);
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "*") source += ".*";
    else if (ch === "?") source += ".";
    else if (ch === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close < 0) source += "\\[";
      else {
        const set = pattern.slice(i + 1, close);
        source += set.startsWith("!") ? `[^${set.slice(1).replace(/[\\\]]/g, "\\$&")}]` : `[${set.replace(/[\\\]]/g, "\\$&")}]`;
        i = close;
      }
    } else source += plain(ch);
  }
  if (quote) return undefined;
  try {
    return new RegExp(`^${source}$`, "s");
  } catch {
    return undefined;
  }
}
