import { createServer, connect, type Socket } from "node:net";
import { afterEach, expect, test } from "vitest";
import { holdUntilTurnEnds, releaseHeld } from "./write-batching.ts";

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

/** A loopback connection: the server's end, and the list of chunks its peer has read. */
async function connection(): Promise<{ server: Socket; reads: Buffer[] }> {
  const reads: Buffer[] = [];
  const accepted = new Promise<Socket>((resolve) => {
    const listener = createServer((s) => {
      listener.close();
      resolve(s);
    }).listen(0, "127.0.0.1", () => {
      const client = connect((listener.address() as { port: number }).port, "127.0.0.1");
      client.on("data", (d: Buffer) => reads.push(d));
      sockets.push(client);
    });
  });
  const server = await accepted;
  sockets.push(server);
  return { server, reads };
}

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
};

test("writes within one turn, microtasks included, reach the peer as one read", async () => {
  const { server, reads } = await connection();
  holdUntilTurnEnds(server);
  server.write("a");
  await Promise.resolve();
  holdUntilTurnEnds(server);
  server.write("b");
  queueMicrotask(() => server.write("c"));
  await until(() => Buffer.concat(reads).length === 3);
  expect(reads.map(String)).toEqual(["abc"]);
  expect(server.writableCorked).toBe(0);
});

test("releaseHeld sends what is held before a destroy", async () => {
  const { server, reads } = await connection();
  holdUntilTurnEnds(server);
  server.write("before");
  releaseHeld(server);
  server.destroy();
  await until(() => reads.length > 0);
  expect(String(Buffer.concat(reads))).toBe("before");
});
