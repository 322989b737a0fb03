// A streaming connection's writes within one turn of the event loop go to the kernel as one: an
// exec's reply (the upgrade, the stream replies, its output, the status, the close) is a dozen
// small frames made within microtasks of each other, and a system call and a client wake-up for
// each cost more than the work that made them. Node-only.

import type { Duplex } from "node:stream";

const held = new WeakSet<Duplex>();

/** Corks `socket` until the current turn of the event loop ends (once per turn; end() flushes too). */
export function holdUntilTurnEnds(socket: Duplex): void {
  if (held.has(socket)) return;
  held.add(socket);
  socket.cork();
  setImmediate(() => {
    held.delete(socket);
    socket.uncork();
  });
}

/** Sends what is held now, for a caller about to destroy the socket (which drops what is held). */
export function releaseHeld(socket: Duplex): void {
  while (socket.writableCorked > 0) socket.uncork();
}
