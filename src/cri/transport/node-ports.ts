// The pods' ports as the node exposes them, on real sockets, for `fake-cri serve`: what a pod's
// process listens on (fake-containerd's network) becomes reachable from the node the ways a real
// node makes it reachable. A host-network pod's port is the node's: served on 127.0.0.1. A
// hostPort mapping (the CNI portmap plugin's work) is served on 127.0.0.1, or on its hostIP when
// that is a loopback address, at the host port. A pod's own address is served when the node has it
// on a loopback interface (a network namespace set up for a test, with the pod subnet on lo); on
// an ordinary node it is not, and nothing is bound there. Each binding lasts while a process
// listens on the port; connections are copied both ways into the fake. Node-only.

import { createServer, type Server, type Socket as NetSocket } from "node:net";
import { networkInterfaces } from "node:os";
import { hostNetwork, type Network, type NetworkEvent, type Socket } from "../../../fake-containerd/index.ts";
import { NamespaceMode } from "../api/v1.ts";
import type { CriService } from "../server/service.ts";

export interface NodePorts {
  close(): Promise<void>;
}

interface Binding {
  server: Server;
  connections: Set<NetSocket>;
}

/** Exposes the pods' listening ports until closed; `log` hears of ports that cannot be bound. */
export function exposeNodePorts(network: Network, service: () => CriService, log: (message: string) => void): NodePorts {
  const bindings = new Map<string, Binding[]>();
  const key = (event: NetworkEvent) => `${event.namespace}\u0000${event.port}`;
  const stop = network.watch((event) => {
    if (event.kind === "close") {
      for (const binding of bindings.get(key(event)) ?? []) unbind(binding);
      bindings.delete(key(event));
      return;
    }
    const made = addressesFor(service(), event).map(([host, port]) => bind(host, port, () => network.connect(event.namespace, event.port), log));
    bindings.set(key(event), made);
  });
  return {
    close: async () => {
      stop();
      await Promise.all([...bindings.values()].flat().map(unbind));
      bindings.clear();
    },
  };
}

/** Where the node serves a port a pod's process listens on. */
function addressesFor(c: CriService, event: NetworkEvent): Array<[string, number]> {
  if (event.namespace === hostNetwork) return [["127.0.0.1", event.port]];
  const out: Array<[string, number]> = [];
  for (const sandbox of c.sandboxStore.list()) {
    const { netnsPath, config, ip } = sandbox.metadata;
    if (netnsPath !== event.namespace || config.linux?.securityContext?.namespaceOptions?.network === NamespaceMode.NODE) continue;
    for (const mapping of config.portMappings) {
      if (mapping.containerPort !== event.port || mapping.hostPort <= 0) continue;
      out.push([isLoopback(mapping.hostIp) ? mapping.hostIp : "127.0.0.1", mapping.hostPort]);
    }
    if (ip !== "" && onLoopbackInterface(ip)) out.push([ip, event.port]);
  }
  return out;
}

function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === "::1";
}

/** Whether the address falls in a subnet of one of the node's loopback interfaces. */
function onLoopbackInterface(address: string): boolean {
  const ip = ipv4Number(address);
  if (ip === undefined) return false;
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .some((a) => {
      if (!a.internal || a.family !== "IPv4") return false;
      const base = ipv4Number(a.address)!;
      const mask = ipv4Number(a.netmask)!;
      return (ip & mask) === (base & mask);
    });
}

function ipv4Number(address: string): number | undefined {
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function bind(host: string, port: number, connect: () => Socket, log: (message: string) => void): Binding {
  const connections = new Set<NetSocket>();
  const server = createServer((client) => {
    connections.add(client);
    client.on("close", () => connections.delete(client));
    let pod: Socket;
    try {
      pod = connect();
    } catch {
      // The process stopped listening just now: the node refuses, as a closed port does.
      client.resetAndDestroy();
      return;
    }
    client.on("data", (chunk: Buffer) => {
      pod.write(new Uint8Array(chunk));
      void pod.drained().then(() => client.resume());
      client.pause();
    });
    client.on("end", () => pod.end());
    client.on("error", () => pod.close());
    client.on("close", () => pod.close());
    void (async () => {
      for await (const chunk of pod.data) if (!client.write(chunk)) await new Promise((resolve) => client.once("drain", resolve));
      client.end();
    })();
  });
  server.on("error", (err) => log(`cannot serve ${host}:${port}: ${err.message}`));
  server.listen(port, host);
  return { server, connections };
}

function unbind(binding: Binding): Promise<void> {
  for (const connection of binding.connections) connection.destroy();
  return new Promise((resolve) => binding.server.close(() => resolve()));
}
