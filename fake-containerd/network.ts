// The node's TCP as the containers' processes see it, only as far as a fake needs: ports a process
// listens on in its network namespace, and connections to them. A network namespace is named as a
// container's OCI spec names it: "host" when the spec has no network namespace (the node's own),
// the path of a namespace file (a pod's CNI namespace) as it is, a new namespace after the
// container that has it; a container that joins another's namespace through /proc/PID/ns/net is
// in that one. Connections carry bytes both ways, each way ending on its own (a half-close), and
// a writer can wait while the reader is behind. Portable: no sockets, nothing leaves the process.

import { concatBytes, toBytes } from "../src/node/bytes.ts";

/** One end of a connection. */
export interface Socket {
  /** What the other end writes, until it ends its side or the connection closes. */
  readonly data: AsyncIterable<Uint8Array>;
  /** Bytes for the other end (dropped once this side has ended). */
  write(data: string | Uint8Array): void;
  /** Resolves when the other end has read most of what was written (or the connection closed). */
  drained(): Promise<void>;
  /** Ends this side (a FIN): the other end's data ends; it can still write. */
  end(): void;
  /** Closes both ways at once (a RST): both ends' data end, writes go nowhere. */
  close(): void;
  /** Resolves when both sides have ended or the connection closed. */
  readonly closed: Promise<void>;
}

/** What a listening process does with each connection it accepts. */
export type ConnectionHandler = (socket: Socket) => void | Promise<void>;

/** The connect(2) failure for a port nothing listens on. */
export class ConnectionRefusedError extends Error {
  readonly port: number;

  constructor(port: number) {
    super("connect: connection refused");
    this.name = "ConnectionRefusedError";
    this.port = port;
  }
}

/** bind(2)'s failure for a port another socket of the namespace listens on. */
export class AddressInUseError extends Error {
  constructor(port: number) {
    super(`listen tcp :${port}: bind: address already in use`);
    this.name = "AddressInUseError";
  }
}

/** How far a writer may get ahead of its reader before drained() waits. */
const highWaterMark = 1 << 20;

/** Queued bytes up to which a reader gets them copied into one chunk. */
const coalesceBelow = 64 << 10;

/** One direction of a connection: bytes queued for the reader. */
class Direction {
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private ended = false;
  private wakeReader: (() => void) | undefined;
  private readonly waitingWriters: Array<() => void> = [];

  push(chunk: Uint8Array): void {
    if (this.ended || chunk.length === 0) return;
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.wake();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.wake();
    this.releaseWriters();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  drained(): Promise<void> {
    if (this.ended || this.queued < highWaterMark) return Promise.resolve();
    return new Promise((resolve) => this.waitingWriters.push(resolve));
  }

  async *read(): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.queue.length > 0) {
        // Small writes queued meanwhile go on as one chunk (fewer frames downstream); large ones
        // go on as they are, since copying them costs more than a chunk each.
        const chunks = this.queue.length > 1 && this.queued <= coalesceBelow ? [concatBytes(this.queue)] : this.queue.splice(0);
        this.queue.length = 0;
        this.queued = 0;
        this.releaseWriters();
        for (const chunk of chunks) yield chunk;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wakeReader = resolve));
    }
  }

  private wake(): void {
    const wake = this.wakeReader;
    this.wakeReader = undefined;
    wake?.();
  }

  private releaseWriters(): void {
    for (const resolve of this.waitingWriters.splice(0)) resolve();
  }
}

/** Two ends joined: what one writes, the other reads. */
export function socketPair(): [Socket, Socket] {
  const ab = new Direction();
  const ba = new Direction();
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const settle = () => {
    if (ab.isEnded && ba.isEnded) resolveClosed();
  };
  const end = (outgoing: Direction) => {
    outgoing.end();
    settle();
  };
  const close = () => {
    ab.end();
    ba.end();
    settle();
  };
  const side = (incoming: Direction, outgoing: Direction): Socket => ({
    data: { [Symbol.asyncIterator]: () => incoming.read() },
    write: (data) => outgoing.push(toBytes(data)),
    drained: () => outgoing.drained(),
    end: () => end(outgoing),
    close,
    closed,
  });
  return [side(ba, ab), side(ab, ba)];
}

/** A port a process listens on; closing it stops new connections (accepted ones go on). */
export interface Listener {
  readonly namespace: string;
  readonly port: number;
  /** Stops listening (twice is fine). */
  close(): void;
}

/** A port a process started or stopped listening on. */
export interface NetworkEvent {
  kind: "listen" | "close";
  namespace: string;
  port: number;
}

/** The listening ports of every network namespace of the node. */
export class Network {
  private readonly listeners = new Map<string, Map<number, ConnectionHandler>>();
  private readonly watchers = new Set<(event: NetworkEvent) => void>();

  /** Starts listening; AddressInUseError when the namespace has the port already. */
  listen(namespace: string, port: number, handler: ConnectionHandler): Listener {
    let ports = this.listeners.get(namespace);
    if (!ports) this.listeners.set(namespace, (ports = new Map()));
    if (ports.has(port)) throw new AddressInUseError(port);
    ports.set(port, handler);
    this.notify({ kind: "listen", namespace, port });
    let open = true;
    return {
      namespace,
      port,
      close: () => {
        if (!open) return;
        open = false;
        ports.delete(port);
        if (ports.size === 0) this.listeners.delete(namespace);
        this.notify({ kind: "close", namespace, port });
      },
    };
  }

  /** Connects to a port of a namespace; ConnectionRefusedError when nothing listens there. */
  connect(namespace: string, port: number): Socket {
    const handler = this.listeners.get(namespace)?.get(port);
    if (!handler) throw new ConnectionRefusedError(port);
    const [client, server] = socketPair();
    void Promise.resolve()
      .then(() => handler(server))
      .catch(() => server.close());
    return client;
  }

  /** The ports listened on in a namespace, in order. */
  ports(namespace: string): number[] {
    return [...(this.listeners.get(namespace)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /** Calls `watcher` for every listen and close from now on; returns a function that stops it. */
  watch(watcher: (event: NetworkEvent) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  private notify(event: NetworkEvent): void {
    for (const watcher of this.watchers) watcher(event);
  }
}

/** The network namespace of the host, which a spec without a network namespace shares. */
export const hostNetwork = "host";
