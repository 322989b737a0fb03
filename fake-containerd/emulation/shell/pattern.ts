// ash's patterns (case items, ${x#p} and friends, pathname expansion): `*`, `?` and bracket
// expressions (`[a-z]`, `[!...]`, `[^...]`, `[[:alpha:]]`) where they are unquoted; quoted and
// backslashed characters match themselves.

/** A pattern as expansion leaves it: pieces of text, each quoted (plain) or not (pattern characters active). */
export type Pattern = ReadonlyArray<{ text: string; quoted: boolean }>;

const classes: ReadonlyMap<string, string> = new Map(
  Object.entries({
    alpha: "A-Za-z",
    digit: "0-9",
    alnum: "A-Za-z0-9",
    upper: "A-Z",
    lower: "a-z",
    space: " \\t\\n\\r\\f\\v",
    blank: " \\t",
    punct: "!-\\/:-@\\[-`{-~",
    print: " -~",
    graph: "!-~",
    cntrl: "\\x00-\\x1f\\x7f",
    xdigit: "0-9A-Fa-f",
  }),
);

const escapeRegex = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");

/** Whether the pattern has an unquoted `*`, `?` or `[`. */
export function hasPatternCharacters(pattern: Pattern): boolean {
  return pattern.some((piece) => !piece.quoted && /[*?[]/.test(piece.text));
}

/** The pattern's text with nothing special: what a word with no match stands for. */
export function patternText(pattern: Pattern): string {
  return pattern.map((piece) => (piece.quoted ? piece.text : piece.text.replace(/\\(.)/gs, "$1"))).join("");
}

/** The pattern as the source of a regular expression matching what it matches. */
export function patternSource(pattern: Pattern): string {
  let source = "";
  for (const piece of pattern) {
    if (piece.quoted) {
      source += escapeRegex(piece.text);
      continue;
    }
    const text = piece.text;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (ch === "\\" && i + 1 < text.length) source += escapeRegex(text[++i]!);
      else if (ch === "*") source += "[\\s\\S]*";
      else if (ch === "?") source += "[\\s\\S]";
      else if (ch === "[") {
        const bracket = bracketExpression(text, i);
        if (bracket) {
          source += bracket.source;
          i = bracket.end;
        } else source += "\\[";
      } else source += escapeRegex(ch);
    }
  }
  return source;
}

/** A bracket expression starting at `start` (its `[`): its regex and the index of its `]`, or undefined when it does not close. */
function bracketExpression(text: string, start: number): { source: string; end: number } | undefined {
  let i = start + 1;
  let negated = false;
  if (text[i] === "!" || text[i] === "^") {
    negated = true;
    i++;
  }
  let set = "";
  let first = true;
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "]" && !first) return { source: `[${negated ? "^" : ""}${set}]`, end: i };
    first = false;
    if (ch === "[" && text[i + 1] === ":") {
      const close = text.indexOf(":]", i + 2);
      const name = close < 0 ? undefined : text.slice(i + 2, close);
      const range = name === undefined ? undefined : classes.get(name);
      if (range !== undefined) {
        set += range;
        i = close + 1;
        continue;
      }
    }
    if (ch === "\\" && i + 1 < text.length) set += escapeRegex(text[++i]!);
    else if (ch === "-" && set !== "" && text[i + 1] !== "]") set += "-";
    else set += escapeRegex(ch);
  }
  return undefined;
}

const compiled = new Map<string, RegExp>();

/** A regular expression matching whole strings the pattern matches. */
export function patternRegex(pattern: Pattern): RegExp {
  const source = `^(?:${patternSource(pattern)})$`;
  let regex = compiled.get(source);
  if (regex === undefined) {
    try {
      regex = new RegExp(source);
    } catch {
      regex = new RegExp(`^${escapeRegex(patternText(pattern))}$`);
    }
    if (compiled.size > 1000) compiled.clear();
    compiled.set(source, regex);
  }
  return regex;
}

export function matches(pattern: Pattern, text: string): boolean {
  return patternRegex(pattern).test(text);
}

/** `${x#p}` / `${x##p}`: the value without its shortest (longest) prefix the pattern matches. */
export function removePrefix(value: string, pattern: Pattern, longest: boolean): string {
  const regex = patternRegex(pattern);
  for (let k = 0; k <= value.length; k++) {
    const end = longest ? value.length - k : k;
    if (regex.test(value.slice(0, end))) return value.slice(end);
  }
  return value;
}

/** `${x%p}` / `${x%%p}`: the value without its shortest (longest) suffix the pattern matches. */
export function removeSuffix(value: string, pattern: Pattern, longest: boolean): string {
  const regex = patternRegex(pattern);
  for (let k = 0; k <= value.length; k++) {
    const start = longest ? k : value.length - k;
    if (regex.test(value.slice(start))) return value.slice(0, start);
  }
  return value;
}

/** `${x/p/s}`: the first longest non-empty match replaced; `${x//p/s}`: every one. */
export function replace(value: string, pattern: Pattern, replacement: string, all: boolean): string {
  const regex = patternRegex(pattern);
  let out = "";
  for (let i = 0; i < value.length; ) {
    let end = value.length;
    while (end > i && !regex.test(value.slice(i, end))) end--;
    if (end === i) {
      out += value[i];
      i++;
      continue;
    }
    out += replacement;
    if (!all) return out + value.slice(end);
    i = end;
  }
  return out;
}
