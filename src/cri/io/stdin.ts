// The copy from a client's stdin into a process's (fake-containerd's InputQueue), which stops when
// the client's stdin ends or when told to: cioutil's WrapReadCloser, closed once the outputs are done.

/** Copies `source` into `push` until it ends or `stop` settles (the rest of the source is left unread). */
export async function copyUntil(source: AsyncIterable<Uint8Array>, push: (chunk: Uint8Array) => void, stop: Promise<unknown>): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  const stopped = stop.then(
    () => undefined,
    () => undefined,
  );
  for (;;) {
    const next = await Promise.race([iterator.next(), stopped]);
    if (next === undefined) {
      void iterator.return?.();
      return;
    }
    if (next.done) return;
    push(next.value);
  }
}
