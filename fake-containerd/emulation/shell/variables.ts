// A shell's variables as ash keeps them: values with export and read-only flags, function locals that
// come back when the function returns, and the order its environment lists them in (`env` prints
// ash's exported variables by hash bucket, the newest first within one). HOME, which runc adds from
// /etc/passwd when the spec sets none, is read only when used. Changes are journaled, so a step that
// has to run again can undo them.

import type { Journal } from "../journal.ts";
import { ShellError } from "./errors.ts";

interface Variable {
  readonly value: string | undefined;
  readonly exported: boolean;
  readonly readonly: boolean;
}

export interface VariablesState {
  table: Array<[string, string | null, number]>;
  order: Array<[string, number]>;
  scopes: Array<Array<[string, [string | null, number] | null]>>;
  lazyHome: boolean;
}

const exportedFlag = 1;
const readonlyFlag = 2;

/** The variables an environment list sets (the last of a name wins, as when ash imports them). */
export function environment(env: readonly string[]): Map<string, string> {
  const variables = new Map<string, string>();
  for (const entry of env) {
    const eq = entry.indexOf("=");
    if (eq > 0) variables.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return variables;
}

export class Variables {
  private table: Map<string, Variable>;
  /** When each exported name entered ash's table (env lists the newest first within a bucket). */
  private order: Map<string, number>;
  /**
   * Whether table and order are shared with a copy (a subshell's, or its parent's): the first
   * change copies them. Most subshells (a pipeline's stages, a `$(...)`) only read.
   */
  private shared = false;
  /** Function scopes: what each local hid, to put back when the function returns. */
  private scopes: Array<Map<string, Variable | undefined>> = [];
  /** HOME's value, found when first read (runc's, from /etc/passwd). */
  private lazyHome: (() => string) | undefined;
  journal: Journal | undefined;

  private constructor(table = new Map<string, Variable>(), order = new Map<string, number>()) {
    this.table = table;
    this.order = order;
  }

  /**
   * A shell's variables at its start: the process environment imported (PATH takes ash's own
   * first place), HOME as runc adds it, SHLVL one deeper, PWD the working directory.
   */
  static imported(env: readonly string[], cwd: string, home: (() => string) | undefined): Variables {
    const vars = new Variables();
    for (const entry of env) {
      const eq = entry.indexOf("=");
      if (eq <= 0) continue;
      const name = entry.slice(0, eq);
      vars.table.set(name, { value: entry.slice(eq + 1), exported: true, readonly: false });
      if (!vars.order.has(name)) vars.order.set(name, name === "PATH" ? 0 : vars.order.size + 1);
    }
    if (!vars.table.has("HOME") && home) {
      vars.lazyHome = home;
      vars.table.set("HOME", { value: undefined, exported: true, readonly: false });
    }
    if (home) vars.markOrder("HOME");
    vars.export("SHLVL", String((Number.parseInt(vars.get("SHLVL") ?? "", 10) || 0) + 1));
    vars.export("PWD", cwd);
    return vars;
  }

  get(name: string): string | undefined {
    const variable = this.table.get(name);
    if (variable === undefined) return undefined;
    if (variable.value === undefined && name === "HOME" && this.lazyHome) {
      const value = this.lazyHome();
      this.lazyHome = undefined;
      this.own();
      this.table.set(name, { ...variable, value });
      return value;
    }
    return variable.value;
  }

  isSet(name: string): boolean {
    return this.get(name) !== undefined;
  }

  isReadonly(name: string): boolean {
    return this.table.get(name)?.readonly ?? false;
  }

  set(name: string, value: string): void {
    const variable = this.table.get(name);
    if (variable?.readonly) throw new ShellError(`${name}: is read only`);
    this.replace(name, { value, exported: variable?.exported ?? false, readonly: false });
  }

  unset(name: string): void {
    const variable = this.table.get(name);
    if (variable?.readonly) throw new ShellError(`${name}: is read only`, 1, true);
    if (variable === undefined) return;
    this.replace(name, undefined);
    if (this.order.has(name)) {
      const seq = this.order.get(name)!;
      this.own();
      this.order.delete(name);
      this.journal?.record(() => {
        this.own();
        this.order.set(name, seq);
      });
    }
  }

  export(name: string, value?: string): void {
    const variable = this.table.get(name);
    if (value !== undefined && variable?.readonly) throw new ShellError(`${name}: is read only`);
    this.replace(name, { value: value ?? variable?.value, exported: true, readonly: variable?.readonly ?? false });
    this.markOrder(name);
  }

  makeReadonly(name: string, value?: string): void {
    const variable = this.table.get(name);
    if (value !== undefined && variable?.readonly) throw new ShellError(`${name}: is read only`);
    this.replace(name, { value: value ?? variable?.value, exported: variable?.exported ?? false, readonly: true });
  }

  /** `local name[=value]` inside a function: hides the outer variable until the function returns. */
  local(name: string, value?: string): void {
    const scope = this.scopes.at(-1)!;
    if (!scope.has(name)) {
      const outer = this.table.get(name);
      scope.set(name, outer);
      this.journal?.record(() => scope.delete(name));
    }
    if (value !== undefined) this.set(name, value);
  }

  get inFunction(): boolean {
    return this.scopes.length > 0;
  }

  pushScope(): void {
    this.scopes.push(new Map());
  }

  popScope(): void {
    const scope = this.scopes.pop();
    if (scope?.size) this.own();
    for (const [name, outer] of scope ?? []) {
      if (outer === undefined) this.table.delete(name);
      else this.table.set(name, outer);
    }
  }

  /** The exported variables as `NAME=value`, in the order ash's environment lists them. */
  exportedList(): string[] {
    const bucket = (name: string) => [...new TextEncoder().encode(name)].reduce((sum, byte) => sum + byte, name.charCodeAt(0) << 4) % 39;
    const entries: Array<[string, number]> = [];
    for (const [name, seq] of this.order) {
      const variable = this.table.get(name);
      if (variable?.exported && this.get(name) !== undefined) entries.push([name, seq]);
    }
    return entries.sort(([a, seqA], [b, seqB]) => bucket(a) - bucket(b) || seqB - seqA).map(([name]) => `${name}=${this.get(name)}`);
  }

  /** A subshell's copy. It shares the variables' records: a change replaces a record, never edits it. */
  clone(): Variables {
    this.shared = true;
    const copy = new Variables(this.table, this.order);
    copy.shared = true;
    copy.scopes = this.scopes.map((scope) => new Map(scope));
    copy.lazyHome = this.lazyHome;
    return copy;
  }

  toState(): VariablesState {
    const flags = (v: Variable) => (v.exported ? exportedFlag : 0) | (v.readonly ? readonlyFlag : 0);
    return {
      table: [...this.table].map(([name, v]) => [name, v.value ?? null, flags(v)]),
      order: [...this.order],
      scopes: this.scopes.map((scope) => [...scope].map(([name, v]) => [name, v ? [v.value ?? null, flags(v)] : null])),
      lazyHome: this.lazyHome !== undefined,
    };
  }

  static fromState(state: VariablesState, home: (() => string) | undefined): Variables {
    const vars = new Variables();
    const variable = (value: string | null, flags: number): Variable => ({ value: value ?? undefined, exported: (flags & exportedFlag) !== 0, readonly: (flags & readonlyFlag) !== 0 });
    for (const [name, value, flags] of state.table) vars.table.set(name, variable(value, flags));
    for (const [name, seq] of state.order) vars.order.set(name, seq);
    vars.scopes = state.scopes.map((scope) => new Map(scope.map(([name, v]) => [name, v ? variable(v[0], v[1]) : undefined])));
    if (state.lazyHome) vars.lazyHome = home;
    return vars;
  }

  private markOrder(name: string): void {
    if (this.order.has(name)) return;
    this.own();
    this.order.set(name, this.order.size + 1);
    this.journal?.record(() => {
      this.own();
      this.order.delete(name);
    });
  }

  private replace(name: string, variable: Variable | undefined): void {
    const before = this.table.get(name);
    this.journal?.record(() => {
      this.own();
      if (before === undefined) this.table.delete(name);
      else this.table.set(name, before);
    });
    this.own();
    if (variable === undefined) this.table.delete(name);
    else this.table.set(name, variable);
  }

  /** Makes table and order this object's own before a change. */
  private own(): void {
    if (!this.shared) return;
    this.table = new Map(this.table);
    this.order = new Map(this.order);
    this.shared = false;
  }
}
