// A process's view of its container's files while the emulation runs it. The container answers
// asynchronously (its mounts may be on the node's disk), the shell reads synchronously: a question
// not answered yet raises Miss, the step that asked is undone, the answers are fetched, and the
// step runs again. Answers hold for one moment of the fake's clock; what the process changed itself
// stays in its own overlay, so it sees its changes at once, before they are made for real at their
// moment. Changes are kept by where a file lives, so a directory mounted at two paths shows them at
// both.

import { concatBytes } from "../../src/node/bytes.ts";
import type { FileChange } from "../processes/script.ts";
import { pathParts } from "../snapshots/fs.ts";
import type { Journal } from "./journal.ts";

/** What the container answers, asynchronously (the task's view of its files). */
export interface FileSource {
  readFile(path: string): Promise<Uint8Array | undefined>;
  readDir(path: string): Promise<readonly string[] | undefined>;
  readOnly(path: string): Promise<boolean>;
  locate(path: string): Promise<string>;
}

type Question = "file" | "dir" | "readOnly" | "locate";

/** A question about the container's files that has no answer yet: fetch, then run the step again. */
export class Miss extends Error {
  constructor() {
    super("file answers pending");
  }
}

/** The absolute, clean path a process means, from its working directory when relative. */
export function absolute(path: string, cwd: string): string {
  return `/${pathParts(path.startsWith("/") ? path : `${cwd}/${path}`).join("/")}`;
}

export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
}

/** Answers gathered from the container, and the questions waiting for one. */
export class FileAnswers {
  private readonly answers = new Map<string, unknown>();
  private wanted: Array<[Question, string]> = [];

  /** The answer, or Miss after noting the question. */
  ask<T>(question: Question, path: string): T {
    const key = `${question}\u0000${path}`;
    if (this.answers.has(key)) return this.answers.get(key) as T;
    if (!this.wanted.some(([q, p]) => q === question && p === path)) this.wanted.push([question, path]);
    throw new Miss();
  }

  get pending(): boolean {
    return this.wanted.length > 0;
  }

  /** Answers the questions asked since the last fetch. */
  async fetch(source: FileSource): Promise<void> {
    const wanted = this.wanted;
    this.wanted = [];
    const answers = await Promise.all(
      wanted.map(([question, path]) => {
        switch (question) {
          case "file":
            return source.readFile(path);
          case "dir":
            return source.readDir(path);
          case "readOnly":
            return source.readOnly(path);
          case "locate":
            return source.locate(path);
        }
      }),
    );
    wanted.forEach(([question, path], k) => this.answers.set(`${question}\u0000${path}`, answers[k]));
  }

  /** Time has passed: what the container holds may have changed. */
  forget(): void {
    this.answers.clear();
  }

  /** Answers known in advance (a test's, or a process that reads nothing). */
  set(question: Question, path: string, answer: unknown): void {
    this.answers.set(`${question}\u0000${path}`, answer);
  }
}

type Changed = { kind: "file"; data: Uint8Array } | { kind: "dir" } | { kind: "gone" };

/** The container's files as the process sees them: the answers, under the process's own changes. */
export class FileView {
  readonly answers: FileAnswers;
  /** The process's changes, by location. */
  private readonly changed = new Map<string, Changed>();
  private readonly journal: Journal;

  constructor(answers: FileAnswers, journal: Journal) {
    this.answers = answers;
    this.journal = journal;
  }

  private locate(path: string): string {
    return this.answers.ask<string>("locate", path);
  }

  /** What is at the path now, symlinks followed. */
  kindOf(path: string): "file" | "dir" | undefined {
    const own = this.own(path);
    if (own === "hidden") return undefined;
    if (own) return own.kind === "gone" ? undefined : own.kind;
    // A file first: under a mount the node keeps (/proc), every path lists as a directory of no names.
    if (this.answers.ask<Uint8Array | undefined>("file", path)) return "file";
    return this.answers.ask<readonly string[] | undefined>("dir", path) ? "dir" : undefined;
  }

  readFile(path: string): Uint8Array | undefined {
    const own = this.own(path);
    if (own === "hidden") return undefined;
    if (own) return own.kind === "file" ? own.data : undefined;
    return this.answers.ask<Uint8Array | undefined>("file", path);
  }

  readDir(path: string): readonly string[] | undefined {
    const own = this.own(path);
    if (own === "hidden" || (own && own.kind !== "dir")) return undefined;
    // A directory the process made is new: nothing that was there before shows through.
    const found = own ? [] : this.answers.ask<readonly string[] | undefined>("dir", path);
    if (!found) return undefined;
    if (this.changed.size === 0) return found;
    const names = new Set(found);
    const location = this.locate(path);
    for (const [changed, change] of this.changed) {
      if (changed === location || parentOf(changed) !== location) continue;
      const name = changed.slice(changed.lastIndexOf("/") + 1);
      if (change.kind === "gone") names.delete(name);
      else names.add(name);
    }
    return [...names];
  }

  readOnly(path: string): boolean {
    return this.answers.ask<boolean>("readOnly", path);
  }

  /** Takes a change into the view (the caller makes it for real at its moment). */
  apply(path: string, change: FileChange["change"], data: Uint8Array = new Uint8Array()): void {
    const location = this.locate(path);
    switch (change) {
      case "touch":
        if (this.kindOf(path) === undefined) this.set(location, { kind: "file", data });
        return;
      case "mkdir":
        this.set(location, { kind: "dir" });
        return;
      case "remove":
        for (const key of [...this.changed.keys()]) if (key.startsWith(`${location}/`)) this.set(key, undefined);
        this.set(location, { kind: "gone" });
        return;
      case "write":
        this.set(location, { kind: "file", data });
        return;
      case "append":
        this.set(location, { kind: "file", data: concatBytes([this.readFile(path) ?? new Uint8Array(), data]) });
        return;
    }
  }

  private set(location: string, change: Changed | undefined): void {
    const before = this.changed.get(location);
    this.journal.record(() => {
      if (before === undefined) this.changed.delete(location);
      else this.changed.set(location, before);
    });
    if (change === undefined) this.changed.delete(location);
    else this.changed.set(location, change);
  }

  /**
   * The process's own change at the path; or "hidden" when a change above it hides what was there
   * (a removal, a file, or a new directory, which holds only what the process put in it).
   */
  private own(path: string): Changed | "hidden" | undefined {
    if (this.changed.size === 0) return undefined;
    let location = this.locate(path);
    const own = this.changed.get(location);
    if (own) return own;
    for (let above = parentOf(location); above !== location; location = above, above = parentOf(above)) {
      if (this.changed.has(above)) return "hidden";
    }
    return undefined;
  }
}
