// Exec and Attach (containerd 1.6.20 container_exec.go, container_attach.go and the streaming
// server's GetExec/GetAttach): for a running container, a one-time URL on the streaming server
// (`<base>/exec/<token>`, `<base>/attach/<token>`). Tokens are 8 characters of URL-safe base64 and
// live a minute in a cache of at most 1000 in-flight requests, shared with PortForward
// (streamingUrl below). What the streaming server does with a URL is its own business.

import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import { criContainerStateToString } from "../helpers/status.ts";
import {
  type AttachRequest,
  type AttachResponse,
  ContainerState,
  type ExecRequest,
  type ExecResponse,
} from "../api/v1.ts";
import { Code, CriError } from "../errors.ts";
import { base64 } from "../../go/json.ts";
import type { CallContext } from "../service-types.ts";
import type { Container } from "../store/container-store.ts";
import type { CriService } from "./service.ts";
import { readClock } from "../../../fake-containerd/clock.ts";

export async function exec(c: CriService, r: ExecRequest, _call: CallContext): Promise<ExecResponse> {
  let container: Container;
  try {
    container = c.containerStore.get(r.containerId);
  } catch (err) {
    throw wrap(err, `failed to find container ${quote(r.containerId)} in store`);
  }
  requireRunning(container);
  validateStreams(r, "one of stdin, stdout, or stderr must be set");
  return { url: streamingUrl(c, "exec") };
}

export async function attach(c: CriService, r: AttachRequest, _call: CallContext): Promise<AttachResponse> {
  let container: Container;
  try {
    container = c.containerStore.get(r.containerId);
  } catch (err) {
    throw wrap(err, "failed to find container in store");
  }
  requireRunning(container);
  validateStreams(r, "one of stdin, stdout, and stderr must be set");
  return { url: streamingUrl(c, "attach") };
}

function requireRunning(container: Container): void {
  const state = container.status.state();
  if (state !== ContainerState.CONTAINER_RUNNING) throw new Error(`container is in ${criContainerStateToString(state)} state`);
}

/**
 * The streaming server's request validation (its two texts differ in one word). Its check for an
 * empty container ID never fires: the store lookup has refused that already.
 */
function validateStreams(r: { tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }, noStream: string): void {
  if (r.tty && r.stderr) throw new CriError(Code.InvalidArgument, "tty and stderr cannot both be true");
  if (!r.stdin && !r.stdout && !r.stderr) throw new CriError(Code.InvalidArgument, noStream);
}

const maxInFlight = 1000;
const cacheTtlNs = 60_000_000_000n;
const tokenLength = 8;

/** The streaming server's request cache: tokens by expiry, oldest first. */
class RequestCache {
  private readonly entries: Array<{ token: string; expiresAt: bigint }> = [];
  private readonly tokens = new Set<string>();

  insert(c: CriService): string {
    const now = readClock(c.clock);
    while (this.entries.length > 0 && now > this.entries[0]!.expiresAt) this.tokens.delete(this.entries.shift()!.token);
    if (this.entries.length === maxInFlight) {
      throw new CriError(Code.ResourceExhausted, "maximum number of in-flight requests exceeded");
    }
    let token: string;
    do {
      token = randomToken(c);
    } while (this.tokens.has(token));
    this.entries.push({ token, expiresAt: now + cacheTtlNs });
    this.tokens.add(token);
    return token;
  }
}

/** Random bytes from the fake's ID generator (seeded runs repeat), URL-safe base64 without padding. */
function randomToken(c: CriService): string {
  const hex = c.ids.next();
  const bytes = new Uint8Array(Math.ceil((tokenLength * 6) / 8));
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return base64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "").slice(0, tokenLength);
}

const caches = new WeakMap<CriService, RequestCache>();

/**
 * A one-time URL for a streaming `method` ("exec", "attach", "portforward"): `<stream base>/<method>/<token>`.
 * Fails with ResourceExhausted when 1000 unexpired requests are waiting.
 */
export function streamingUrl(c: CriService, method: string): string {
  let cache = caches.get(c);
  if (!cache) caches.set(c, (cache = new RequestCache()));
  return `${c.streamBaseUrl}/${method}/${cache.insert(c)}`;
}
