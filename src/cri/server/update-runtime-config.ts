// UpdateRuntimeConfig (containerd 1.6.20 update_runtime_config.go): the kubelet hands over the pod
// CIDR(s). containerd checks them (net.ParseCIDR), and only when a CNI config template is
// configured and the network is not ready yet does it render the template into
// `<conf dir>/10-containerd-net.conflist`, which the conf syncer then loads.

import type { UpdateRuntimeConfigRequest, UpdateRuntimeConfigResponse } from "../api/v1.ts";
import { join } from "../../go/filepath.ts";
import { quote } from "../../go/strconv.ts";
import { readTextFile } from "../../node/host-fs.ts";
import type { CallContext } from "../service-types.ts";
import type { CriService } from "./service.ts";

/** The file containerd renders the template into. */
export const cniConfigFileName = "10-containerd-net.conflist";

export async function updateRuntimeConfig(
  c: CriService,
  request: UpdateRuntimeConfigRequest,
  _call: CallContext,
): Promise<UpdateRuntimeConfigResponse> {
  const podCidrs = request.runtimeConfig?.networkConfig?.podCidr ?? "";
  if (podCidrs === "") return {};
  const cidrs = podCidrs.split(",").map((s) => s.trim());
  let routes: string[];
  try {
    routes = getRoutes(cidrs);
  } catch (err) {
    throw new Error(`get routes: ${(err as Error).message}`, { cause: err });
  }
  const confTemplate = c.config.cni.networkPluginConfTemplate;
  if (confTemplate === "") return {};
  if (c.network.status() === undefined) return {};
  if (c.network.load()) return {};

  let template: GoTemplate;
  try {
    template = parseGoTemplate(baseName(confTemplate), readTextFile(c.hostFs, confTemplate));
  } catch (err) {
    throw new Error(`failed to parse cni config template ${quote(confTemplate)}: ${(err as Error).message}`, { cause: err });
  }
  const confDir = c.config.cni.networkPluginConfDir;
  try {
    c.hostFs.mkdirAll(confDir, 0o755);
  } catch (err) {
    throw new Error(`failed to create cni config directory: ${quote(confDir)}: ${(err as Error).message}`, { cause: err });
  }
  const confFile = join(confDir, cniConfigFileName);
  let rendered: string;
  try {
    rendered = template.execute({ PodCIDR: cidrs[0]!, PodCIDRRanges: cidrs, Routes: routes });
  } catch (err) {
    throw new Error(`failed to generate cni config file ${quote(confFile)}: ${(err as Error).message}`, { cause: err });
  }
  try {
    writeWithoutTruncating(c, confFile, rendered);
  } catch (err) {
    throw new Error(`failed to open cni config file ${quote(confFile)}: ${(err as Error).message}`, { cause: err });
  }
  // containerd's conf syncer sees the file change and reloads the network config.
  c.network.load();
  return {};
}

/** containerd opens the file O_WRONLY|O_CREATE without O_TRUNC: a longer old file keeps its tail. */
function writeWithoutTruncating(c: CriService, path: string, text: string): void {
  const bytes = new TextEncoder().encode(text);
  if (c.hostFs.exists(path)) {
    const old = c.hostFs.readFile(path);
    if (old.length > bytes.length) {
      const merged = old.slice();
      merged.set(bytes);
      c.hostFs.writeFile(path, merged, 0o644);
      return;
    }
  }
  c.hostFs.writeFile(path, bytes, 0o644);
}

function baseName(path: string): string {
  const parts = path.split("/").filter((p) => p !== "");
  return parts[parts.length - 1] ?? path;
}

/** getRoutes: a default route per address family among the CIDRs, IPv4's first. */
export function getRoutes(cidrs: readonly string[]): string[] {
  let hasV4 = false;
  let hasV6 = false;
  for (const cidr of cidrs) {
    if (parseCidr(cidr).isV4) hasV4 = true;
    else hasV6 = true;
  }
  const routes: string[] = [];
  if (hasV4) routes.push("0.0.0.0/0");
  if (hasV6) routes.push("::/0");
  return routes;
}

/** net.ParseError for a CIDR. */
export class CidrParseError extends Error {
  constructor(text: string) {
    super(`invalid CIDR address: ${text}`);
    this.name = "CidrParseError";
  }
}

/** Go's dtoi: leading decimal digits, at most 0xFFFFFF. */
function dtoi(s: string): { n: number; length: number; ok: boolean } {
  let n = 0;
  let i = 0;
  for (; i < s.length && s[i]! >= "0" && s[i]! <= "9"; i++) {
    n = n * 10 + (s.charCodeAt(i) - 48);
    if (n >= 0xffffff) return { n: 0xffffff, length: i, ok: false };
  }
  return { n, length: i, ok: i > 0 };
}

function parseV4(s: string): number[] | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || (part.length > 1 && part[0] === "0")) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

function parseV6(s: string): number[] | undefined {
  if (s.includes("%")) return undefined;
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const groups = (text: string): number[] | undefined => {
    if (text === "") return [];
    const out: number[] = [];
    const parts = text.split(":");
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (i === parts.length - 1 && part.includes(".")) {
        const v4 = parseV4(part);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
      out.push(parseInt(part, 16));
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const words = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

/** net.ParseCIDR, reporting whether the masked network is an IPv4 one (IP.To4() != nil). */
export function parseCidr(s: string): { isV4: boolean; bytes: number[]; prefix: number } {
  const slash = s.indexOf("/");
  if (slash < 0) throw new CidrParseError(s);
  const addr = s.slice(0, slash);
  const mask = s.slice(slash + 1);
  const v4 = parseV4(addr);
  const bytes = v4 ?? parseV6(addr);
  const bits = v4 ? 32 : 128;
  const { n, length, ok } = dtoi(mask);
  if (!bytes || !ok || length !== mask.length || n > bits) throw new CidrParseError(s);
  const masked = bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, n - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
  const isV4 =
    v4 !== undefined ||
    (masked.slice(0, 10).every((b) => b === 0) && masked[10] === 0xff && masked[11] === 0xff);
  return { isV4, bytes: masked, prefix: n };
}

// ---- the subset of Go's text/template a CNI config template uses ----

type TemplateValue = string | number | readonly string[];
type Scope = { dot: TemplateValue | Record<string, TemplateValue>; vars: Map<string, TemplateValue> };

type TemplateNode =
  | { kind: "text"; text: string }
  | { kind: "print"; expr: string; line: number }
  | { kind: "if"; expr: string; line: number; then: TemplateNode[]; otherwise: TemplateNode[] }
  | {
      kind: "range";
      expr: string;
      line: number;
      indexVar?: string;
      valueVar?: string;
      body: TemplateNode[];
      otherwise: TemplateNode[];
    };

export interface GoTemplate {
  execute(data: Record<string, TemplateValue>): string;
}

/**
 * Parses a template of text, {{.Field}}, {{$var}}, {{if ...}}{{else}}{{end}},
 * {{range [$i, $v :=] ...}}{{else}}{{end}} and comments, with {{- -}} trimming. Anything else is a
 * parse error naming the template and line, as text/template reports.
 */
export function parseGoTemplate(name: string, source: string): GoTemplate {
  const tokens: Array<{ text: string } | { action: string; line: number }> = [];
  let rest = source;
  let line = 1;
  while (rest.length > 0) {
    const open = rest.indexOf("{{");
    if (open < 0) {
      tokens.push({ text: rest });
      break;
    }
    let text = rest.slice(0, open);
    const close = rest.indexOf("}}", open + 2);
    if (close < 0) throw new Error(`template: ${name}:${line}: unclosed action`);
    let inner = rest.slice(open + 2, close);
    if (inner.startsWith("- ")) {
      text = text.replace(/\s+$/, "");
      inner = inner.slice(2);
    }
    let trimAfter = false;
    if (inner.endsWith(" -")) {
      inner = inner.slice(0, -2);
      trimAfter = true;
    }
    tokens.push({ text });
    line += (rest.slice(0, open).match(/\n/g) ?? []).length;
    tokens.push({ action: inner.trim(), line });
    line += (inner.match(/\n/g) ?? []).length;
    rest = rest.slice(close + 2);
    if (trimAfter) rest = rest.replace(/^\s+/, "");
  }

  let at = 0;
  const parseList = (terminators: readonly string[]): { nodes: TemplateNode[]; end: string } => {
    const nodes: TemplateNode[] = [];
    while (at < tokens.length) {
      const token = tokens[at++]!;
      if ("text" in token) {
        if (token.text !== "") nodes.push({ kind: "text", text: token.text });
        continue;
      }
      const action = token.action;
      if (action.startsWith("/*")) continue;
      if (terminators.includes(action)) return { nodes, end: action };
      if (action === "end" || action === "else") throw new Error(`template: ${name}:${token.line}: unexpected {{${action}}}`);
      if (action.startsWith("if ")) {
        const then = parseList(["else", "end"]);
        const otherwise = then.end === "else" ? parseList(["end"]).nodes : [];
        nodes.push({ kind: "if", expr: action.slice(3).trim(), line: token.line, then: then.nodes, otherwise });
        continue;
      }
      if (action.startsWith("range ")) {
        const spec = action.slice(6).trim();
        const decl = /^(\$\w*)\s*(?:,\s*(\$\w*)\s*)?:=\s*(.+)$/.exec(spec);
        const body = parseList(["else", "end"]);
        const otherwise = body.end === "else" ? parseList(["end"]).nodes : [];
        const node: TemplateNode = { kind: "range", expr: decl ? decl[3]!.trim() : spec, line: token.line, body: body.nodes, otherwise };
        if (decl) {
          if (decl[2]) {
            node.indexVar = decl[1]!;
            node.valueVar = decl[2];
          } else node.valueVar = decl[1]!;
        }
        nodes.push(node);
        continue;
      }
      nodes.push({ kind: "print", expr: action, line: token.line });
    }
    if (terminators.length > 0) throw new Error(`template: ${name}:${line}: unexpected EOF`);
    return { nodes, end: "" };
  };
  const root = parseList([]).nodes;

  const evaluate = (expr: string, scope: Scope, lineNo: number): TemplateValue => {
    if (expr === ".") return scope.dot as TemplateValue;
    if (/^\$\w*$/.test(expr)) {
      const v = scope.vars.get(expr);
      if (v === undefined) throw new Error(`template: ${name}:${lineNo}: undefined variable "${expr}"`);
      return v;
    }
    const field = /^\.(\w+)$/.exec(expr);
    if (field) {
      const dot = scope.dot;
      if (typeof dot === "object" && !Array.isArray(dot) && Object.hasOwn(dot, field[1]!)) {
        return (dot as Record<string, TemplateValue>)[field[1]!]!;
      }
      throw new Error(
        `template: ${name}:${lineNo}: executing "${name}" at <${expr}>: can't evaluate field ${field[1]} in type server.cniConfigTemplate`,
      );
    }
    throw new Error(`template: ${name}:${lineNo}: function "${expr.split(/\s+/)[0]}" not defined`);
  };
  const truthy = (v: TemplateValue): boolean => (typeof v === "number" ? v !== 0 : v.length > 0);
  const show = (v: TemplateValue): string => (typeof v === "object" ? `[${v.join(" ")}]` : String(v));
  const run = (nodes: readonly TemplateNode[], scope: Scope): string => {
    let out = "";
    for (const node of nodes) {
      switch (node.kind) {
        case "text":
          out += node.text;
          break;
        case "print":
          out += show(evaluate(node.expr, scope, node.line));
          break;
        case "if":
          out += run(truthy(evaluate(node.expr, scope, node.line)) ? node.then : node.otherwise, scope);
          break;
        case "range": {
          const list = evaluate(node.expr, scope, node.line);
          if (typeof list !== "object") throw new Error(`template: ${name}:${node.line}: range can't iterate over ${show(list)}`);
          if (list.length === 0) {
            out += run(node.otherwise, scope);
            break;
          }
          list.forEach((item, i) => {
            const vars = new Map(scope.vars);
            if (node.indexVar) vars.set(node.indexVar, i);
            if (node.valueVar) vars.set(node.valueVar, item);
            out += run(node.body, { dot: item, vars });
          });
          break;
        }
      }
    }
    return out;
  };
  return { execute: (data) => run(root, { dot: data, vars: new Map([["$", data as unknown as TemplateValue]]) }) };
}
