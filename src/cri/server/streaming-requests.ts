// The streaming server's request cache (containerd 1.6.20 pkg/cri/streaming request_cache.go and
// server.go's GetExec/GetAttach/GetPortForward): Exec, Attach and PortForward store their request
// under a random single-use token and answer `<stream base>/<method>/<token>`; the streaming server
// consumes the token when the client connects. Tokens are 8 characters of URL-safe base64, live a
// minute, and at most 1000 wait at once (a consumed or expired one frees its place). A restarted
// plugin has a new cache, so the old tokens are unknown to it, as after a containerd restart.

import type { AttachRequest, ExecRequest, PortForwardRequest } from "../api/v1.ts";
import { Code, CriError } from "../errors.ts";
import { base64 } from "../../go/json.ts";
import type { Clock, IdGenerator } from "../../../fake-containerd/index.ts";
import { readClock } from "../../../fake-containerd/clock.ts";

export type StreamingRequest =
  | { method: "exec"; request: ExecRequest }
  | { method: "attach"; request: AttachRequest }
  | { method: "portforward"; request: PortForwardRequest };

const maxInFlight = 1000;
const cacheTtlNs = 60_000_000_000n;
const tokenLength = 8;

interface Entry {
  token: string;
  request: StreamingRequest;
  expiresAt: bigint;
}

export class StreamingRequests {
  /** Oldest first, so expired entries are at the front. */
  private readonly entries: Entry[] = [];
  private readonly tokens = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly ids: IdGenerator;
  private readonly baseUrl: () => Promise<string>;

  constructor(clock: Clock, ids: IdGenerator, baseUrl: () => Promise<string>) {
    this.clock = clock;
    this.ids = ids;
    this.baseUrl = baseUrl;
  }

  /**
   * Validates and stores the request; its URL. Fails with ResourceExhausted when 1000 unexpired
   * requests wait.
   */
  async url(request: StreamingRequest): Promise<string> {
    if (request.method !== "portforward") validateStreams(request.request, request.method === "exec" ? "or" : "and");
    const token = this.insert(request);
    return `${await this.baseUrl()}/${request.method}/${token}`;
  }

  /** Takes the request a token stands for; undefined for an unknown, used or expired token. */
  consume(token: string): StreamingRequest | undefined {
    const entry = this.tokens.get(token);
    if (!entry) return undefined;
    this.tokens.delete(token);
    this.entries.splice(this.entries.indexOf(entry), 1);
    return readClock(this.clock) > entry.expiresAt ? undefined : entry.request;
  }

  /** Requests waiting for their client (expired ones not yet collected included). */
  get waiting(): number {
    return this.entries.length;
  }

  private insert(request: StreamingRequest): string {
    const now = readClock(this.clock);
    while (this.entries.length > 0 && now > this.entries[0]!.expiresAt) this.tokens.delete(this.entries.shift()!.token);
    if (this.entries.length === maxInFlight) {
      throw new CriError(Code.ResourceExhausted, "maximum number of in-flight requests exceeded");
    }
    let token: string;
    do {
      token = this.randomToken();
    } while (this.tokens.has(token));
    const entry = { token, request, expiresAt: now + cacheTtlNs };
    this.entries.push(entry);
    this.tokens.set(token, entry);
    return token;
  }

  /** Random bytes from the fake's ID generator (seeded runs repeat), URL-safe base64 without padding. */
  private randomToken(): string {
    const hex = this.ids.next();
    const bytes = new Uint8Array(Math.ceil((tokenLength * 6) / 8));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
    return base64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "").slice(0, tokenLength);
  }
}

/**
 * GetExec's and GetAttach's validation (their texts differ in one word). Their check for an empty
 * container ID never fires: the RPC's store lookup has refused that already.
 */
function validateStreams(r: { tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }, conjunction: "or" | "and"): void {
  if (r.tty && r.stderr) throw new CriError(Code.InvalidArgument, "tty and stderr cannot both be true");
  if (!r.stdin && !r.stdout && !r.stderr) throw new CriError(Code.InvalidArgument, `one of stdin, stdout, ${conjunction} stderr must be set`);
}
