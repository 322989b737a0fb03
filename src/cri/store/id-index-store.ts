// What the CRI plugin's sandbox and container stores share: records keyed by 64-hex ID, found by
// any unique ID prefix (truncindex), with containerd's errors for unknown and ambiguous prefixes.

import { alreadyExists, notFound } from "../../../fake-containerd/errdefs.ts";
import { EmptyPrefixError, IdNotExistError, TruncIndex } from "../../go/truncindex.ts";

export class IdIndexStore<T extends { readonly id: string }> {
  private readonly records = new Map<string, T>();
  private readonly idIndex = new TruncIndex();
  /** The text of the error for an empty ID: the index's, or the version's own (its profile's). */
  private readonly emptyPrefixText: string;

  constructor(emptyPrefixText = new EmptyPrefixError().message) {
    this.emptyPrefixText = emptyPrefixText;
  }

  /** Adds a record; already exists if its ID is taken. */
  add(record: T): void {
    if (this.records.has(record.id)) throw alreadyExists();
    this.idIndex.add(record.id);
    this.records.set(record.id, record);
  }

  /**
   * The record whose ID is `idOrPrefix` or starts with it. Not found when nothing matches; an
   * ambiguous or empty prefix fails with the index's own error, as containerd's stores do.
   */
  get(idOrPrefix: string): T {
    let id: string;
    try {
      id = this.idIndex.get(idOrPrefix);
    } catch (err) {
      if (err instanceof IdNotExistError) throw notFound();
      if (err instanceof EmptyPrefixError) throw new Error(this.emptyPrefixText);
      throw err;
    }
    const record = this.records.get(id);
    if (!record) throw notFound();
    return record;
  }

  /** The record with exactly this ID, if any (no prefix matching). */
  getExact(id: string): T | undefined {
    return this.records.get(id);
  }

  list(): T[] {
    return [...this.records.values()];
  }

  get size(): number {
    return this.records.size;
  }

  /** Removes the record `idOrPrefix` names; does nothing when it names none. */
  delete(idOrPrefix: string): void {
    let id: string;
    try {
      id = this.idIndex.get(idOrPrefix);
    } catch {
      return;
    }
    this.idIndex.delete(id);
    this.records.delete(id);
  }
}
