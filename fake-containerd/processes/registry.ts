// Where tests register what processes do (`fake.processes`): scripts for containers and execs,
// chosen by matchers (the latest matching registration wins), files every container or one of them
// sees, and the filesystem hook through which the CRI layer shows its bind mounts. A process no
// script matches is emulated (emulation/), once runc would have found its executable.

import { parseDockerRef, referenceString } from "../../src/go/reference.ts";
import { toBytes } from "../../src/node/bytes.ts";
import type { ContainerRecord } from "../containers.ts";
import { emulatesCommand, missingExecutable, readsCommandsFromStdin } from "../emulation/index.ts";
import { pathParts } from "../snapshots/fs.ts";
import { base64ToBytes, bytesToBase64 } from "../state.ts";
import { webServerFor } from "../web-servers.ts";
import type { ResolvedScript } from "./runner.ts";
import {
  scriptFromState,
  scriptToState,
  type ContainerFilesystem,
  type ContainerMatch,
  type ContainerProcessInfo,
  type DirectoryNames,
  type ExecMatch,
  type ExecProcessInfo,
  type FileChange,
  type ProcessScript,
  type ProcessScriptState,
  type Script,
} from "./script.ts";

/** A registered script or handler; remove() unregisters it. */
export interface Registration {
  /** Stops this script from being chosen for new processes. */
  remove(): void;
}

type Rule<M, I> = { match: M | ((info: I) => boolean); script: Script };

export interface ProcessRegistryState {
  containers: Array<{ match: ContainerMatch; script: ProcessScriptState }>;
  execs: Array<{ match: ExecMatch; script: ProcessScriptState }>;
  files: Array<{ containerId?: string; path: string; content: string }>;
}

/** Where scripts, exec handlers and test files are registered (`fake.processes`). */
export class ProcessRegistry {
  private containerRules: Array<Rule<ContainerMatch, ContainerProcessInfo>> = [];
  private execRules: Array<Rule<ExecMatch, ExecProcessInfo>> = [];
  private readonly files = new Map<string, Uint8Array>();
  private filesystem: ContainerFilesystem | undefined;

  constructor(state?: ProcessRegistryState) {
    for (const r of state?.containers ?? []) this.containerRules.push({ match: r.match, script: scriptFromState(r.script) });
    for (const r of state?.execs ?? []) this.execRules.push({ match: r.match, script: scriptFromState(r.script) });
    for (const f of state?.files ?? []) this.files.set(fileKey(f.containerId, f.path), base64ToBytes(f.content));
  }

  /** Scripts the processes of matching containers. The latest matching registration wins. */
  onContainer(match: ContainerMatch | ((info: ContainerProcessInfo) => boolean), script: Script): Registration {
    const rule = { match, script };
    this.containerRules.push(rule);
    return { remove: () => (this.containerRules = this.containerRules.filter((r) => r !== rule)) };
  }

  /** Scripts matching exec processes. The latest matching registration wins over older ones and the built-ins. */
  onExec(match: ExecMatch | ((info: ExecProcessInfo) => boolean), script: Script): Registration {
    const rule = { match, script };
    this.execRules.push(rule);
    return { remove: () => (this.execRules = this.execRules.filter((r) => r !== rule)) };
  }

  /** A file `cat` and readFile find, in one container or (without containerId) in every container. */
  addFile(path: string, content: string | Uint8Array, options: { containerId?: string } = {}): void {
    this.files.set(fileKey(options.containerId, path), toBytes(content));
  }

  /** Consulted after the files tests registered, before the container's snapshot. */
  setFilesystem(filesystem: ContainerFilesystem | undefined): void {
    this.filesystem = filesystem;
  }

  /** @internal The script a container's process runs: the latest matching registration, else the default emulation. */
  resolveContainer(info: ContainerProcessInfo): ResolvedScript {
    for (let i = this.containerRules.length - 1; i >= 0; i--) {
      const rule = this.containerRules[i]!;
      if (typeof rule.match === "function" ? rule.match(info) : containerMatches(rule.match, info)) return resolved(rule.script);
    }
    // runc looks for the executable when the task is created, so that is when a missing one fails.
    const missing = info.args[0] === undefined ? undefined : missingExecutable(info.args[0], info.env ?? [], info.hasFile);
    if (missing !== undefined) return { kind: "data", script: { failStart: { reason: missing } } };
    const server = webServerFor(info.args);
    if (server) return { kind: "function", run: server };
    return info.memoryLimit === undefined ? { kind: "emulated", exec: false } : { kind: "emulated", exec: false, memoryLimit: info.memoryLimit };
  }

  /** @internal The exec's script, or undefined when argv names no known executable. */
  resolveExec(info: ExecProcessInfo): ResolvedScript | undefined {
    for (let i = this.execRules.length - 1; i >= 0; i--) {
      const rule = this.execRules[i]!;
      if (typeof rule.match === "function" ? rule.match(info) : execMatches(rule.match, info)) return resolved(rule.script);
    }
    const script = emulatedExec(info.argv, info.env ?? [], info.hasFile);
    const missing = script?.kind === "data" && script.script.failStart !== undefined;
    // A shell reading its commands from stdin is the emulation's, whatever the image lists.
    return info.stdin && readsCommandsFromStdin(info.argv) && !missing ? { kind: "emulated", exec: true } : script;
  }

  /** @internal A file registered with addFile() or given by the filesystem hook, for the container. */
  async readFile(namespace: string, record: ContainerRecord, path: string): Promise<Uint8Array | undefined> {
    const own = this.files.get(fileKey(record.id, path)) ?? this.files.get(fileKey(undefined, path));
    if (own) return own;
    return this.filesystem ? await this.filesystem.readFile({ namespace, record }, path) : undefined;
  }

  /** Whether the filesystem hook has a read-only mount over the path (undefined: no mount covers it). */
  async readOnly(namespace: string, record: ContainerRecord, path: string): Promise<boolean | undefined> {
    return this.filesystem?.readOnly ? await this.filesystem.readOnly({ namespace, record }, path) : undefined;
  }

  /** Where the filesystem hook says the path's file lives (undefined: in the container's snapshot). */
  async locate(namespace: string, record: ContainerRecord, path: string): Promise<string | undefined> {
    return this.filesystem?.locate ? await this.filesystem.locate({ namespace, record }, path) : undefined;
  }

  /** Tells the filesystem hook the container's task starts; a promise when the hook looks at the node. */
  started(namespace: string, record: ContainerRecord): Promise<void> | undefined {
    return this.filesystem?.started?.({ namespace, record });
  }

  /** Tells the filesystem hook the container's task is gone. */
  ended(namespace: string, record: ContainerRecord): void {
    this.filesystem?.ended?.({ namespace, record });
  }

  /** Hands a change to the filesystem hook; false when no mount of its covers the path, a promise while the change is on its way to the node. */
  changeFile(namespace: string, record: ContainerRecord, change: FileChange): boolean | Promise<void> {
    return this.filesystem?.changeFile?.({ namespace, record }, change) ?? false;
  }

  /** Whether the filesystem hook says a mount made at the path shows on the node. */
  sendsMounts(namespace: string, record: ContainerRecord, path: string): boolean {
    return this.filesystem?.sendsMounts?.({ namespace, record }, path) ?? false;
  }

  /** What registered files (their directories) and the filesystem hook add to a directory's names. */
  async readDir(namespace: string, record: ContainerRecord, path: string): Promise<DirectoryNames | undefined> {
    const dir = pathParts(path).join("/");
    const prefix = dir === "" ? "/" : `/${dir}/`;
    const names = new Set<string>();
    for (const key of this.files.keys()) {
      const [owner, file] = splitFileKey(key);
      const normal = `/${pathParts(file).join("/")}`;
      if ((owner === undefined || owner === record.id) && normal.startsWith(prefix) && normal.length > prefix.length) {
        names.add(normal.slice(prefix.length).split("/")[0]!);
      }
    }
    const hooked = this.filesystem?.readDir ? await this.filesystem.readDir({ namespace, record }, path) : undefined;
    if (!hooked && names.size === 0) return undefined;
    for (const name of hooked?.names ?? []) names.add(name);
    return { names: [...names], hidesSnapshot: hooked?.hidesSnapshot ?? false };
  }

  /** The registrations that are data, as JSON-serialisable data (saveState). */
  toState(): ProcessRegistryState {
    const dataRules = <M, I>(rules: Array<Rule<M, I>>) =>
      rules
        .filter((r) => typeof r.match !== "function" && typeof r.script !== "function")
        .map((r) => ({ match: r.match as M, script: scriptToState(r.script as ProcessScript) }));
    return {
      containers: dataRules(this.containerRules),
      execs: dataRules(this.execRules),
      files: [...this.files].map(([key, content]) => {
        const [owner, path] = splitFileKey(key);
        return owner === undefined ? { path, content: bytesToBase64(content) } : { containerId: owner, path, content: bytesToBase64(content) };
      }),
    };
  }

  /** Registrations a saved state cannot carry, described for the state's notes. */
  unsaved(): string[] {
    const count = (rules: Array<Rule<unknown, never>>) =>
      rules.filter((r) => typeof r.match === "function" || typeof r.script === "function").length;
    const notes: string[] = [];
    const containers = count(this.containerRules as Array<Rule<unknown, never>>);
    const execs = count(this.execRules as Array<Rule<unknown, never>>);
    if (containers > 0) notes.push(`${containers} container script registration(s) use functions and were not saved`);
    const listening = this.containerRules.filter((r) => typeof r.script !== "function" && r.script.listen?.length).length;
    if (listening > 0) notes.push(`${listening} container script registration(s) listen on ports; saved without their listeners`);
    if (execs > 0) notes.push(`${execs} exec script registration(s) use functions and were not saved`);
    if (this.filesystem) notes.push("the filesystem hook is code and was not saved");
    return notes;
  }
}

function resolved(script: Script): ResolvedScript {
  return typeof script === "function" ? { kind: "function", run: script } : { kind: "data", script };
}

function containerMatches(m: ContainerMatch, info: ContainerProcessInfo): boolean {
  if (m.containerId !== undefined && m.containerId !== info.containerId) return false;
  if (m.image !== undefined && normalizedImage(m.image) !== normalizedImage(info.image)) return false;
  if (m.args !== undefined && !sameStrings(m.args, info.args)) return false;
  for (const [k, v] of Object.entries(m.labels ?? {})) {
    if (!Object.hasOwn(info.labels, k) || info.labels[k] !== v) return false;
  }
  return true;
}

/** A reference as the CRI normalises it ("busybox:1.36" is docker.io/library/busybox:1.36); anything else as given. */
function normalizedImage(image: string): string {
  try {
    return referenceString(parseDockerRef(image));
  } catch {
    return image;
  }
}

function execMatches(m: ExecMatch, info: ExecProcessInfo): boolean {
  if (m.containerId !== undefined && m.containerId !== info.containerId) return false;
  if (m.command !== undefined && m.command !== info.argv[0]) return false;
  return m.argv === undefined || sameStrings(m.argv, info.argv);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * An exec no script matches: the emulation of a command it follows; of any other, once runc would
 * have found its executable, and else (undefined without a root filesystem to look in) runc's start
 * failure.
 */
function emulatedExec(argv: readonly string[], env: readonly string[], hasFile: ((path: string) => boolean) | undefined): ResolvedScript | undefined {
  const command = argv[0];
  if (command === undefined) return undefined;
  // `cat` alone copies its stdin (crictl exec -i).
  if (argv.length === 1 && command.slice(command.lastIndexOf("/") + 1) === "cat") return { kind: "data", script: { echoStdin: true } };
  // What the emulation follows runs whatever a made-up image lists; anything else must be there.
  if (emulatesCommand(argv, hasFile)) return { kind: "emulated", exec: true };
  if (!hasFile) return undefined;
  const missing = missingExecutable(command, env, hasFile);
  return missing === undefined ? { kind: "emulated", exec: true } : { kind: "data", script: { failStart: { reason: missing } } };
}

function fileKey(containerId: string | undefined, path: string): string {
  return `${containerId ?? ""}\u0000${path}`;
}

function splitFileKey(key: string): [string | undefined, string] {
  const at = key.indexOf("\u0000");
  const owner = key.slice(0, at);
  return [owner === "" ? undefined : owner, key.slice(at + 1)];
}

