// Undo for a step of a live shell that has to run again: the step's changes to variables and to the
// process's view of its files are recorded while it runs, and undone if it stops at a question about
// the container's files that has no answer yet (files.ts, Miss).

export class Journal {
  private undo: Array<() => void> | undefined;

  /** Starts recording (a live step begins). */
  open(): void {
    this.undo = [];
  }

  /** Keeps what the step did. */
  close(): void {
    this.undo = undefined;
  }

  /** Undoes what the step did, latest first. */
  rollback(): void {
    const undo = this.undo ?? [];
    this.undo = undefined;
    for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
  }

  record(undo: () => void): void {
    this.undo?.push(undo);
  }
}
