// The server end of a SPDY/3.1 connection as Kubernetes' streaming server runs it (moby/spdystream
// v0.2.0 under k8s.io/apimachinery's httpstream/spdy, the versions containerd 1.6.20 vendors): the
// client opens every stream (odd IDs, rising); each is accepted with an empty SYN_REPLY or refused
// with RST_STREAM CANCEL; data flows until each side has sent FIN (or either RST); PINGs from the
// client are echoed; SETTINGS and WINDOW_UPDATE are ignored, as spdystream ignores them (it has no
// flow control). Closing resets every open stream, sends GOAWAY naming the last stream received,
// and closes the socket once no stream is left. Data on a stream that does not exist is dropped, a
// SYN_STREAM whose ID does not rise gets RST_STREAM PROTOCOL_ERROR; anything the framer cannot
// read closes the connection (spdystream stops reading it; closing frees it at once).

import type { Duplex } from "node:stream";
import { InputQueue } from "../../../fake-containerd/index.ts";
import { IdleTimeout } from "./idle-timeout.ts";
import { destroyAfterHeld, holdUntilTurnEnds } from "./write-batching.ts";
import { dataFrameHeader, FrameReader, FrameWriter, rstStatus, SpdyProtocolError, type SpdyFrame, type SpdyHeaders } from "./spdy-frames.ts";

/** What spdystream writes in one DATA frame at most: a copy's buffer (io.Copy uses 32 KiB). */
const maxDataFrame = 32 * 1024;

export class SpdyStream {
  readonly id: number;
  readonly headers: SpdyHeaders;
  /** Bytes from the client until it half-closes or resets the stream. */
  readonly data = new InputQueue();
  private readonly session: SpdyServerSession;
  /** This side sent FIN or RST_STREAM. */
  private finished = false;
  private remoteClosed = false;

  constructor(session: SpdyServerSession, id: number, headers: SpdyHeaders) {
    this.session = session;
    this.id = id;
    this.headers = headers;
  }

  /** The first value of a header, or "" (http.Header.Get). */
  header(name: string): string {
    return this.headers.get(name.toLowerCase())?.[0] ?? "";
  }

  write(data: Uint8Array): void {
    if (this.finished) return;
    this.session.sendData(this.id, data);
  }

  /** Resolves when the connection can take more (the socket has drained). */
  drained(): Promise<void> {
    return this.session.drained();
  }

  /** Half-closes: an empty DATA frame with FIN. */
  close(): void {
    if (this.finished) return;
    this.finished = true;
    this.session.send({ type: "data", streamId: this.id, fin: true, data: new Uint8Array(0) });
    if (this.remoteClosed) this.session.forget(this);
  }

  /** RST_STREAM CANCEL, unless this side already finished the stream. */
  reset(): void {
    this.session.forget(this);
    this.remoteEnded();
    if (this.finished) return;
    this.finished = true;
    this.session.send({ type: "rstStream", streamId: this.id, status: rstStatus.cancel });
  }

  /** The client half-closed (FIN): no more data comes. */
  remoteFinished(): void {
    this.remoteEnded();
    if (this.finished) this.session.forget(this);
  }

  /** The client reset the stream: it is gone both ways. */
  remoteReset(): void {
    this.session.forget(this);
    this.remoteEnded();
    this.finished = true;
  }

  remoteEnded(): void {
    this.remoteClosed = true;
    this.data.end();
  }
}

export interface SpdySessionOptions {
  /**
   * Called for each stream the client opens, before it is answered: a reason string refuses it
   * (RST_STREAM CANCEL), undefined accepts it (SYN_REPLY).
   */
  onStream(stream: SpdyStream): string | undefined;
  /** Close the connection after this long without a frame in either direction (0: never). */
  idleTimeoutMs: number;
}

export class SpdyServerSession {
  private readonly socket: Duplex;
  private readonly reader = new FrameReader();
  private readonly writer = new FrameWriter();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly options: SpdySessionOptions;
  /** The lowest ID a new client stream may have (spdystream's receivedStreamId). */
  private nextClientStreamId = 1;
  /** GOAWAY was sent or received: no new streams. */
  private goneAway = false;
  private sentGoAway = false;
  private readonly idle: IdleTimeout;
  private socketClosed = false;
  private resolveClosed!: () => void;
  /** Resolves when the connection has closed, however that happened. */
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));
  private resolveReadEnded!: () => void;
  /** Resolves when the client will send no more frames: it said GOAWAY, or the connection closed (spdystream's CloseChan). */
  readonly readEnded = new Promise<void>((resolve) => (this.resolveReadEnded = resolve));

  constructor(socket: Duplex, options: SpdySessionOptions) {
    this.socket = socket;
    this.options = options;
    this.idle = new IdleTimeout(options.idleTimeoutMs, () => this.close());
    socket.on("data", (chunk: Uint8Array) => this.receive(chunk));
    socket.on("close", () => this.ended());
    socket.on("end", () => this.ended());
    socket.on("error", () => this.ended());
  }

  get isClosed(): boolean {
    return this.socketClosed;
  }

  /** Resets every stream, says GOAWAY and closes the socket (at once: no stream is left). */
  close(): void {
    for (const stream of [...this.streams.values()]) stream.reset();
    // Also after the client's GOAWAY: spdystream's Close runs before its reader notes that one.
    if (!this.sentGoAway) {
      this.goneAway = true;
      this.sentGoAway = true;
      this.send({ type: "goAway", lastGoodStreamId: Math.max(this.nextClientStreamId - 2, 0), status: 0 });
    }
    this.shutdownWhenIdle();
  }

  send(frame: SpdyFrame): void {
    if (this.socketClosed) return;
    holdUntilTurnEnds(this.socket);
    this.socket.write(this.writer.encode(frame));
    this.idle.touch();
  }

  /**
   * `data` as DATA frames of at most 32 KiB, each payload handed to the socket as it is (no copy),
   * all of them in one write to the kernel.
   */
  sendData(streamId: number, data: Uint8Array): void {
    if (this.socketClosed) return;
    holdUntilTurnEnds(this.socket);
    for (let at = 0; at < data.length; at += maxDataFrame) {
      const payload = data.subarray(at, at + maxDataFrame);
      this.socket.write(dataFrameHeader(streamId, false, payload.length));
      this.socket.write(payload);
    }
    this.idle.touch();
  }

  drained(): Promise<void> {
    if (this.socketClosed || !this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        resolve();
      };
      this.socket.on("drain", done);
      this.socket.on("close", done);
    });
  }

  forget(stream: SpdyStream): void {
    if (this.streams.get(stream.id) !== stream) return;
    this.streams.delete(stream.id);
    if (this.goneAway) this.shutdownWhenIdle();
  }

  private receive(chunk: Uint8Array): void {
    let frames: SpdyFrame[];
    try {
      frames = this.reader.push(chunk);
    } catch (err) {
      if (!(err instanceof SpdyProtocolError)) throw err;
      destroyAfterHeld(this.socket);
      return;
    }
    this.idle.touch();
    for (const frame of frames) this.handle(frame);
  }

  private handle(frame: SpdyFrame): void {
    switch (frame.type) {
      case "synStream": {
        if (this.goneAway) return;
        if (frame.streamId < this.nextClientStreamId) {
          this.send({ type: "rstStream", streamId: frame.streamId, status: rstStatus.protocolError });
          return;
        }
        this.nextClientStreamId = frame.streamId + 2;
        const stream = new SpdyStream(this, frame.streamId, frame.headers);
        this.streams.set(stream.id, stream);
        if (frame.fin) stream.remoteEnded();
        if (this.options.onStream(stream) !== undefined) {
          stream.reset();
          return;
        }
        this.send({ type: "synReply", streamId: stream.id, fin: false, headers: new Map() });
        return;
      }
      case "data": {
        const stream = this.streams.get(frame.streamId);
        if (!stream) return;
        if (frame.data.length > 0) stream.data.push(frame.data);
        if (frame.fin) stream.remoteFinished();
        return;
      }
      case "rstStream":
        this.streams.get(frame.streamId)?.remoteReset();
        return;
      case "headers":
        if (frame.fin) this.streams.get(frame.streamId)?.remoteFinished();
        return;
      case "ping":
        // Pings the client started have odd IDs; the server's own would be even.
        if (frame.id % 2 === 1) this.send(frame);
        return;
      case "goAway":
        this.goneAway = true;
        this.resolveReadEnded();
        // After whoever waits for readEnded has had its say (a port-forward closes, with GOAWAY).
        queueMicrotask(() => this.shutdownWhenIdle());
        return;
      case "synReply":
      case "settings":
      case "windowUpdate":
        return;
    }
  }

  private shutdownWhenIdle(): void {
    if (this.streams.size === 0 && !this.socketClosed) this.socket.end();
  }

  private ended(): void {
    if (this.socketClosed) return;
    this.socketClosed = true;
    this.idle.stop();
    for (const stream of this.streams.values()) stream.remoteEnded();
    this.streams.clear();
    this.socket.destroy();
    this.resolveReadEnded();
    this.resolveClosed();
  }
}
