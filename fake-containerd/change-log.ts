// Where a fake-containerd's stores mark the objects they change, once someone tracks changes
// (FakeContainerd.trackChanges); changes.ts turns the marks into records. Apart from changes.ts so
// that the stores, which mark, do not import the saved-state types they are made of.

/** What a store marks: the kind of object, its namespace, and its key ("<snapshotter>/<key>" for snapshots). */
export interface Mark {
  kind: "container" | "bucket" | "blob" | "image" | "snapshot" | "snapshotter" | "namespace";
  namespace: string;
  key: string;
}

/** The objects marked since the last take(), each once, in the order first marked. */
export class ChangeLog {
  private marked = new Map<string, Mark>();

  mark(kind: Mark["kind"], namespace: string, key = ""): void {
    const id = `${kind}\n${namespace}\n${key}`;
    if (!this.marked.has(id)) this.marked.set(id, { kind, namespace, key });
  }

  get size(): number {
    return this.marked.size;
  }

  take(): Mark[] {
    const marks = [...this.marked.values()];
    this.marked = new Map();
    return marks;
  }
}
