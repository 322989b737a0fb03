// PortForward (containerd 1.6.20 sandbox_portforward.go): for a ready sandbox, the URL of the
// streaming server with a single-use token (`<base>/portforward/<token>`, from the request cache
// Exec and Attach share). The requested ports are not checked. When a client connects, each of its
// connections is forwarded to a port a process of the pod listens on (fake-containerd's network).

import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import { ConnectionRefusedError, hostNetwork, type Socket } from "../../../fake-containerd/index.ts";
import { NamespaceMode, type PortForwardRequest, type PortForwardResponse } from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import type { Sandbox } from "../store/sandbox-store.ts";
import { SandboxState } from "../store/sandbox-status.ts";
import type { CriService } from "./service.ts";
import type { ForwardedStream } from "./streaming-runtime.ts";

export async function portForward(c: CriService, r: PortForwardRequest, _call: CallContext): Promise<PortForwardResponse> {
  let sandbox: Sandbox;
  try {
    sandbox = c.sandboxStore.get(r.podSandboxId);
  } catch (err) {
    throw wrap(err, `failed to find sandbox ${quote(r.podSandboxId)}`);
  }
  if (sandbox.status.get().state !== SandboxState.Ready) throw new Error("sandbox container is not running");
  return { url: await c.streaming.url({ method: "portforward", request: r }) };
}

/**
 * streamRuntime.PortForward and portForward (sandbox_portforward_linux.go): one connection from the
 * client to `port` on localhost inside the pod's network namespace (the node's for a host-network
 * pod), copied both ways until one way ends; the other then gets a second (on the fake's clock) to
 * finish before both are closed.
 */
export async function forwardPort(c: CriService, id: string, port: number, stream: ForwardedStream): Promise<void> {
  if (port <= 0 || port > 0xffff) throw new Error(`invalid port ${port}`);
  let sandbox: Sandbox;
  try {
    sandbox = c.sandboxStore.get(id);
  } catch (err) {
    throw wrap(err, `failed to find sandbox ${quote(id)} in store`);
  }
  let network: string;
  if (sandbox.metadata.config.linux?.securityContext?.namespaceOptions?.network === NamespaceMode.NODE) {
    network = hostNetwork;
  } else {
    if (!sandbox.netns || sandbox.netns.closed()) throw new Error(`network namespace for sandbox ${quote(id)} is closed`);
    network = sandbox.netns.path;
  }
  try {
    await forwardInNamespace(c, id, network, port, stream);
  } catch (err) {
    throw wrap(err, `failed to execute portforward in network namespace ${quote(network)}`);
  } finally {
    stream.close();
  }
}

async function forwardInNamespace(c: CriService, id: string, network: string, port: number, stream: ForwardedStream): Promise<void> {
  let conn: Socket;
  try {
    conn = c.containerd.network.connect(network, port);
  } catch (err) {
    if (!(err instanceof ConnectionRefusedError)) throw err;
    // net.Dial of "localhost": IPv4 first, then IPv6, which finds no address on a node whose
    // /etc/hosts names localhost only as 127.0.0.1 (the reference node's).
    throw new Error(
      `failed to connect to localhost:${port} inside namespace ${quote(id)}, ` +
        `IPv4: dial tcp4 127.0.0.1:${port}: ${err.message} IPv6 dial tcp6: address localhost: no suitable address found `,
    );
  }
  try {
    const toClient = (async () => {
      for await (const chunk of conn.data) {
        stream.write(chunk);
        await stream.drained();
      }
    })();
    const toPod = (async () => {
      for await (const chunk of stream.data) {
        conn.write(chunk);
        await conn.drained();
      }
    })();
    await Promise.race([toClient, toPod]);
    await new Promise<void>((resolve) => {
      const cancel = c.clock.setTimer(1000, resolve);
      void Promise.all([toClient, toPod]).then(() => {
        cancel();
        resolve();
      });
    });
  } finally {
    conn.close();
  }
}

/** What the streaming server writes on a forwarded connection's error stream when it fails. */
export function describePortForwardError(id: string, port: number, err: unknown): string {
  return `error forwarding port ${port} to pod ${id}, uid : ${err instanceof Error ? err.message : String(err)}`;
}
