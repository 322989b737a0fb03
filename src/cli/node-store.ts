// How `fake-cri serve --state FILE` keeps its node: FILE holds the whole node (FakeCriState, as
// saveState() gives it), FILE.journal what changed since, FILE.lock the server that serves it.
//
// Every successful call waits, before it is answered, until what changed so far is written to the
// journal (durable()): the changed objects of fake-containerd and the changed paths of the
// in-memory files, as they now are (fake-containerd/changes.ts, MemoryHostFs.takeChanges), one
// JSON line per write. Calls that finish together share a write (group commit), and one that
// changed nothing waits for nothing. The write is asynchronous and not fsynced: once the kernel has
// it, the change survives the server's death (kill -9); a power loss can lose the last writes the
// kernel had not yet put on disk, and recovery then stops at the last whole line. When the journal
// outgrows the state (and 8 MiB), the state file is written anew from the live node (fsynced, then
// renamed into place) and the journal starts over; the old journal is read on recovery until the new
// state replaces the old one, which is harmless, as records say what objects are, not what was done.
//
// On start, a lock left by a server that is gone, or a journal with records, means the node went
// down with that server: its processes ended, so the node comes back without tasks, and the CRI
// plugin recovers its containers as exited and its pods as not ready, as containerd does after a
// reboot (and releases addresses whose pod never came to be). A state file or a journal that does
// not read as one is refused with its name, the line and the fields that do not fit, and is left as
// it was. Node-only.

import { type FileHandle, open, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { z } from "zod";
import { withoutTasks, type ContainerdChange, type FakeContainerd } from "../../fake-containerd/index.ts";
import { containerdChangeSchema, schemaProblems } from "../../fake-containerd/state-schema.ts";
import type { FakeCriState } from "../harness/index.ts";
import { parseFakeCriState } from "../harness/state-schema.ts";
import { MemoryHostFs, type MemoryHostFsChange } from "../node/host-fs.ts";
import { memoryHostFsChangeSchema } from "../node/host-fs-schema.ts";
import { applyChanges } from "../../fake-containerd/changes.ts";
import { lockState, type StateLock } from "./state-lock.ts";

/** One journal line: what changed between two writes. */
export interface JournalRecord {
  seq: number;
  containerd: ContainerdChange[];
  files: MemoryHostFsChange[];
}

const recordSchema = z.strictObject({
  seq: z.number().int().positive(),
  containerd: z.array(containerdChangeSchema),
  files: z.array(memoryHostFsChangeSchema),
});

/** The journal is compacted into the state once it is this big and twice the state's size. */
const minCompactBytes = 8 << 20;

/**
 * How often changes nobody waits for (a container that exited by itself) are written, and the
 * journal is checked for still being where it was written (a data dir deleted under the server).
 */
const backgroundMs = 1000;

/** What a node's journal is fed from: the fake's changes and its in-memory files'. */
export interface JournaledNode {
  containerd: FakeContainerd;
  hostFs: MemoryHostFs;
  saveState(): FakeCriState;
}

export interface LoadedNode {
  /** The node as it was left, or undefined for a new one. */
  state: FakeCriState | undefined;
  /** Whether the last server went down without saving it (its tasks are gone). */
  crashed: boolean;
}

export class NodeStore {
  readonly statePath: string;
  private readonly journalPath: string;
  private readonly oldJournalPath: string;
  private readonly lock: StateLock;
  private node: JournaledNode | undefined;
  private journal: FileHandle | undefined;
  private seq = 0;
  private journalBytes = 0;
  private readonly minCompactBytes: number;
  private compactAt: number;
  /** The write that has not yet taken the changes (every caller until then shares it), and the one under way. */
  private scheduled: Promise<void> | undefined;
  private running: Promise<void> | undefined;
  private compacting: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Whether the state file is this start's own (there was none), for a failed start to take back. */
  private newState = false;

  private constructor(statePath: string, lock: StateLock, compactAtBytes: number) {
    this.minCompactBytes = this.compactAt = compactAtBytes;
    this.statePath = statePath;
    this.journalPath = `${statePath}.journal`;
    this.oldJournalPath = `${statePath}.journal.old`;
    this.lock = lock;
  }

  /**
   * Takes the state's lock and reads the node: the state file, then the journals over it. Fails,
   * releasing the lock and touching no file, when another server holds the lock or a file does not
   * read as what it should be.
   */
  static async open(statePath: string, options: { compactAtBytes?: number } = {}): Promise<{ store: NodeStore; loaded: LoadedNode }> {
    const lock = await lockState(statePath);
    const store = new NodeStore(statePath, lock, options.compactAtBytes ?? minCompactBytes);
    try {
      return { store, loaded: await store.load() };
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  private async load(): Promise<LoadedNode> {
    const text = await readFile(this.statePath, "utf8").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    let state: FakeCriState | undefined;
    if (text !== undefined) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw new Error(`--state ${this.statePath}: not a fake-cri state: ${(err as Error).message}`);
      }
      try {
        state = parseFakeCriState(value);
      } catch (err) {
        throw new Error(`--state ${this.statePath}: ${(err as Error).message}`);
      }
    }
    let records: JournalRecord[];
    try {
      records = [...(await readJournal(this.oldJournalPath)), ...(await readJournal(this.journalPath))];
    } catch (err) {
      throw new Error(`--state ${this.statePath}: ${(err as Error).message}`);
    }
    if (records.length > 0 && !state) {
      throw new Error(`--state ${this.statePath}: it is missing, but ${this.journalPath} holds changes to it`);
    }
    const crashed = this.lock.stale || records.length > 0;
    this.newState = !state;
    if (!state) return { state, crashed };
    if (records.length > 0) {
      const files = state.hostFs ? MemoryHostFs.fromState(state.hostFs) : new MemoryHostFs();
      files.applyChanges(records.flatMap((r) => r.files));
      state = {
        ...state,
        containerd: applyChanges(state.containerd, records.flatMap((r) => r.containerd)),
        hostFs: files.toState(),
      };
    }
    return { state: crashed ? { ...state, containerd: withoutTasks(state.containerd) } : state, crashed };
  }

  /**
   * Starts keeping `node`: its changes are tracked from now on, the state file is written from it
   * (so what its start changed is in it, and the journals read at open are no longer needed), and a
   * new journal is begun.
   */
  async attach(node: JournaledNode): Promise<void> {
    this.node = node;
    node.containerd.trackChanges();
    node.hostFs.trackChanges();
    await this.writeState(node.saveState());
    await rm(this.oldJournalPath, { force: true });
    this.journal = await open(this.journalPath, "w", 0o600);
    this.timer = setInterval(() => void this.checkBehind(), backgroundMs);
    this.timer.unref();
  }

  /** Writes what changed by itself, and fails the store if its journal is no longer in its place. */
  private async checkBehind(): Promise<void> {
    await this.durable().catch(() => undefined);
    const journal = this.journal;
    if (this.failure || !journal) return;
    const [opened, named] = await Promise.all([journal.stat(), stat(this.journalPath).catch(() => undefined)]);
    if (this.journal === journal && named?.ino !== opened.ino) {
      this.failure = new Error(`fake-cri: the journal ${this.journalPath} was removed; changes made from now on cannot be kept`);
    }
  }

  /** Resolves once every change made so far is written to the journal; rejects if it cannot be. */
  durable(): Promise<void> {
    const node = this.node;
    if (!node) return Promise.resolve();
    // Nothing new: a call that changed nothing, or whose changes the write under way carries.
    if (!node.containerd.hasChanges() && !node.hostFs.hasChanges()) return this.running ?? Promise.resolve();
    if (this.failure) {
      // What cannot be kept is dropped, so that a later call that changes nothing is answered.
      node.containerd.takeChanges();
      node.hostFs.takeChanges();
      return Promise.reject(this.failure);
    }
    // Calls that finish while a write is under way share the next one, which takes whatever
    // changed until it starts.
    return (this.scheduled ??= (this.running ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => {
        const write = this.write();
        this.scheduled = undefined;
        this.running = write;
        return write.finally(() => {
          if (this.running === write) this.running = undefined;
        });
      }));
  }

  private async write(): Promise<void> {
    try {
      const node = this.node!;
      const containerd = node.containerd.takeChanges();
      const files = node.hostFs.takeChanges();
      if (containerd.length === 0 && files.length === 0) return;
      const line = `${JSON.stringify({ seq: ++this.seq, containerd, files } satisfies JournalRecord)}\n`;
      const bytes = Buffer.from(line);
      await this.journal!.write(bytes);
      this.journalBytes += bytes.length;
      if (this.journalBytes > this.compactAt) await this.compact();
    } catch (err) {
      this.failure ??= new Error(
        `fake-cri: cannot journal the node to ${this.journalPath}: ${(err as Error).message}; changes made from now on may not survive a restart`,
      );
      throw this.failure;
    }
  }

  /**
   * The journal so far becomes the old journal and a new one is begun (at once); the state file is
   * then written from the live node and the old journal dropped (behind, while writes go on).
   */
  private async compact(): Promise<void> {
    await this.compacting;
    await rename(this.journalPath, this.oldJournalPath);
    const previous = this.journal!;
    this.journal = await open(this.journalPath, "w", 0o600);
    this.journalBytes = 0;
    const state = this.node!.saveState();
    this.compacting = (async () => {
      await previous.close();
      const size = await this.writeState(state);
      await unlink(this.oldJournalPath);
      this.compactAt = Math.max(this.minCompactBytes, 2 * size);
    })().catch((err: unknown) => {
      this.failure ??= new Error(`fake-cri: cannot write the state ${this.statePath}: ${(err as Error).message}`);
    });
  }

  /** Writes the state file whole: a temporary file beside it, flushed to disk, renamed over it. */
  private async writeState(state: FakeCriState): Promise<number> {
    const temporary = `${this.statePath}.${process.pid}.tmp`;
    const bytes = Buffer.from(`${JSON.stringify(state)}\n`);
    const file = await open(temporary, "w", 0o600);
    try {
      await file.write(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, this.statePath);
    return bytes.length;
  }

  /** Saves the node whole (tasks and all), ends the journal and releases the lock. */
  async close(state: FakeCriState): Promise<void> {
    clearInterval(this.timer);
    await this.scheduled?.catch(() => undefined);
    await this.running?.catch(() => undefined);
    await this.compacting;
    await this.journal?.close();
    await this.writeState(state);
    await rm(this.journalPath, { force: true });
    await rm(this.oldJournalPath, { force: true });
    await this.lock.release();
  }

  /**
   * After a start that failed: releases the lock. A state file this start made goes, with its
   * journal; one that was there stays, as attach() left it (the node it held, written anew).
   */
  async abandon(): Promise<void> {
    clearInterval(this.timer);
    await this.compacting;
    if (this.journal) {
      await this.journal.close();
      await rm(this.journalPath, { force: true });
      if (this.newState) await rm(this.statePath, { force: true });
    }
    await this.lock.release();
  }
}

/**
 * The records of a journal file (none when there is none). A last line cut short (the server died,
 * or the power went, while writing it) is dropped; anything else that does not read as a record
 * is refused.
 */
export async function readJournal(path: string): Promise<JournalRecord[]> {
  const text = await readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return "";
    throw err;
  });
  const lines = text.split("\n");
  const records: JournalRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const last = i === lines.length - 1 || lines.slice(i + 1).every((rest) => /^\0*$/.test(rest));
    if (line === "" || /^\0+$/.test(line)) {
      if (last) break;
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      // Power lost mid-write: a torn last line (or zeros) and nothing after it.
      if (last) break;
      throw new Error(`journal ${path}: line ${i + 1}: not JSON: ${(err as Error).message}`);
    }
    const result = recordSchema.safeParse(value);
    if (!result.success) throw new Error(`journal ${path}: line ${i + 1}: ${schemaProblems(result.error)}`);
    records.push(value as JournalRecord);
  }
  return records;
}
