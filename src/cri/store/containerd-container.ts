// The CRI record's handle on its containerd container (the Go client's containerd.Container): an ID
// and the k8s.io namespace of the fake-containerd, with the calls the plugin makes through it.

import type { ContainerRecord, NamespaceView, ProcessIO, Task } from "../../../fake-containerd/index.ts";

export class ContainerdContainer {
  readonly id: string;
  private readonly view: NamespaceView;

  constructor(view: NamespaceView, id: string) {
    this.view = view;
    this.id = id;
  }

  /** Container.Info: the container record. */
  info(): Promise<ContainerRecord> {
    return this.view.containers.get(this.id);
  }

  /** Container.NewTask. */
  newTask(io?: ProcessIO): Promise<Task> {
    return this.view.tasks.create(this.id, io ? { io } : {});
  }

  /** Container.Task: the running task, with `io` reattached when given. */
  task(io?: ProcessIO): Promise<Task> {
    return this.view.tasks.get(this.id, io ? { io } : {});
  }

  /** Container.Delete, with containerd.WithSnapshotCleanup when asked. */
  delete(options: { snapshotCleanup?: boolean } = {}): Promise<void> {
    return this.view.containers.delete(this.id, options);
  }
}
