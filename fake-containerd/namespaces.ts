// Namespaces, with containerd's rules (metadata/namespaces.go and the namespaces service): a
// namespace exists once it is created or once anything is stored in it, it can only be deleted
// when empty, and every object lives in exactly one.

import type { FakeContext } from "./context.ts";
import { ContainerdError, alreadyExists, failedPrecondition, notFound, wrapError } from "./errdefs.ts";
import { topics, type NamespaceCreate, type NamespaceDelete } from "./events.ts";
import { validateIdentifier, validateLabel } from "./identifiers.ts";

const validNames = new Set<string>();

/** namespaces.NamespaceRequired: what every namespaced call checks first. */
export function requireNamespace(name: string): void {
  if (validNames.has(name)) return;
  if (name === "") throw failedPrecondition("namespace is required");
  try {
    validateIdentifier(name);
  } catch (e) {
    throw wrapError("namespace validation", e as ContainerdError);
  }
  validNames.add(name);
}

/** A namespace and its labels. */
export interface NamespaceInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface NamespacesState {
  namespaces: Array<{ name: string; labels: Record<string, string> }>;
}

/**
 * What the namespaces hold: `of(name)` in the words namespace deletion uses ("images",
 * "containers" ...), and `names()` every namespace that may hold something.
 */
export interface NamespaceContents {
  of(name: string): string[];
  names(): Iterable<string>;
}

/** containerd's namespace service: create, get, list, update labels, delete (refused while the namespace holds anything). */
export class Namespaces {
  private readonly ctx: FakeContext;
  private readonly contents: NamespaceContents;
  private readonly onDelete: (name: string) => void;
  private readonly known = new Map<string, Readonly<Record<string, string>>>();

  constructor(ctx: FakeContext, contents: NamespaceContents, onDelete: (name: string) => void, state?: NamespacesState) {
    this.ctx = ctx;
    this.contents = contents;
    this.onDelete = onDelete;
    for (const ns of state?.namespaces ?? []) this.known.set(ns.name, Object.freeze({ ...ns.labels }));
  }

  /** Creates a namespace; publishes /namespaces/create in it. */
  async create(name: string, labels: Readonly<Record<string, string>> = {}): Promise<void> {
    await this.ctx.operations.enter({ op: "namespaces.create", namespace: name, subject: name });
    validateIdentifier(name);
    for (const [k, v] of Object.entries(labels)) {
      try {
        validateLabel(k, v);
      } catch (e) {
        throw wrapError("namespace.Labels", e as ContainerdError);
      }
    }
    if (this.known.has(name)) throw alreadyExists(`namespace "${name}"`);
    // Labels set to "" are not stored, as with containers.
    this.known.set(name, Object.freeze(Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== ""))));
    this.ctx.changes?.mark("namespace", name);
    const event: NamespaceCreate = { name, labels: { ...labels } };
    await this.ctx.events.publish(name, topics.namespaceCreate, event);
  }

  /** A namespace's labels. Like containerd, an unknown namespace reads as one without labels. */
  async get(name: string): Promise<NamespaceInfo> {
    await this.ctx.operations.enter({ op: "namespaces.get", namespace: name, subject: name });
    return { name, labels: this.known.get(name) ?? {} };
  }

  /** Every namespace, in name order. */
  async list(): Promise<string[]> {
    await this.ctx.operations.enter({ op: "namespaces.list", namespace: "" });
    const names = new Set(this.known.keys());
    for (const name of this.contents.names()) if (this.contents.of(name).length > 0) names.add(name);
    return [...names].sort();
  }

  /** Deletes an empty namespace; publishes /namespaces/delete in it. */
  async delete(name: string): Promise<void> {
    await this.ctx.operations.enter({ op: "namespaces.delete", namespace: name, subject: name });
    const remaining = this.contents.of(name);
    if (remaining.length > 0) {
      throw failedPrecondition(`namespace "${name}" must be empty, but it still has ${remaining.join(", ")}`);
    }
    if (!this.known.delete(name)) throw notFound(`namespace "${name}"`);
    this.ctx.changes?.mark("namespace", name);
    this.onDelete(name);
    const event: NamespaceDelete = { name };
    await this.ctx.events.publish(name, topics.namespaceDelete, event);
  }

  /** Storing anything in a namespace brings it into existence, without an event. */
  touch(name: string): void {
    if (this.known.has(name)) return;
    this.known.set(name, Object.freeze({}));
    this.ctx.changes?.mark("namespace", name);
  }

  /** A namespace's labels as toState() holds them, or null when there is none (see changes.ts). */
  stateOf(name: string): { labels: Record<string, string> } | null {
    const labels = this.known.get(name);
    return labels ? { labels: { ...labels } } : null;
  }

  /** The namespaces as JSON-serialisable data (saveState). */
  toState(): NamespacesState {
    return {
      namespaces: [...this.known.keys()].sort().map((name) => ({ name, labels: { ...this.known.get(name) } })),
    };
  }
}
