// The node's TCP as fake-containerd models it: listening, connecting, half-closes, backpressure.

import { describe, expect, test } from "vitest";
import { AddressInUseError, ConnectionRefusedError, Network, socketPair, type Socket } from "./network.ts";

async function readAll(socket: Socket): Promise<string> {
  let out = "";
  for await (const chunk of socket.data) out += new TextDecoder().decode(chunk);
  return out;
}

describe("Network", () => {
  test("a connection reaches the handler of the port in that namespace only", async () => {
    const network = new Network();
    network.listen("ns-a", 80, (socket) => {
      socket.write("hello from a\n");
      socket.end();
    });
    expect(() => network.connect("ns-b", 80)).toThrow(ConnectionRefusedError);
    expect(() => network.connect("ns-a", 81)).toThrow("connect: connection refused");
    expect(await readAll(network.connect("ns-a", 80))).toBe("hello from a\n");
  });

  test("a port is listened on once per namespace; closing frees it and tells watchers", () => {
    const network = new Network();
    const events: string[] = [];
    network.watch((e) => events.push(`${e.kind} ${e.namespace}:${e.port}`));
    const listener = network.listen("ns", 8080, () => {});
    expect(() => network.listen("ns", 8080, () => {})).toThrow(AddressInUseError);
    expect(network.ports("ns")).toEqual([8080]);
    listener.close();
    listener.close();
    expect(network.ports("ns")).toEqual([]);
    network.listen("ns", 8080, () => {}).close();
    expect(events).toEqual(["listen ns:8080", "close ns:8080", "listen ns:8080", "close ns:8080"]);
  });

  test("each side ends on its own; close ends both; closed resolves when both have ended", async () => {
    const [a, b] = socketPair();
    a.write("ping");
    a.end();
    expect(await readAll(b)).toBe("ping");
    b.write("pong");
    let closed = false;
    void a.closed.then(() => (closed = true));
    await Promise.resolve();
    expect(closed).toBe(false);
    b.end();
    expect(await readAll(a)).toBe("pong");
    await a.closed;
    const [c, d] = socketPair();
    c.close();
    expect(await readAll(d)).toBe("");
  });

  test("a writer far ahead of its reader waits in drained() until the reader catches up", async () => {
    const [a, b] = socketPair();
    a.write(new Uint8Array(2 << 20));
    let drained = false;
    void a.drained().then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    const reader = b.data[Symbol.asyncIterator]();
    expect((await reader.next()).value?.length).toBe(2 << 20);
    await Promise.resolve();
    expect(drained).toBe(true);
  });

  test("small writes queued meanwhile are read as one chunk; large ones as written, uncopied", async () => {
    const [a, b] = socketPair();
    a.write("ab");
    a.write("cd");
    const reader = b.data[Symbol.asyncIterator]();
    expect(new TextDecoder().decode((await reader.next()).value)).toBe("abcd");
    const large = [new Uint8Array(64 << 10), new Uint8Array(1)];
    for (const chunk of large) a.write(chunk);
    expect((await reader.next()).value).toBe(large[0]);
    expect((await reader.next()).value).toBe(large[1]);
  });
});
