// Small helpers over async streams of byte chunks.

/** Skips the first `n` bytes of a stream (those a partial blob already holds) and passes on the rest. */
export async function* after(source: AsyncIterable<Uint8Array>, n: number): AsyncGenerator<Uint8Array> {
  let skip = n;
  for await (const chunk of source) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    yield skip > 0 ? chunk.subarray(skip) : chunk;
    skip = 0;
  }
  if (skip > 0) throw new Error(`The source ended before the ${n} bytes a partial blob already holds`);
}

/** Peeks at the first bytes of a stream without losing them. */
export const peek = async (source: AsyncIterable<Uint8Array>, n: number): Promise<{ head: Uint8Array; stream: AsyncIterable<Uint8Array> }> => {
  const it = source[Symbol.asyncIterator]();
  const first: Uint8Array[] = [];
  let have = 0;
  while (have < n) {
    const r = await it.next();
    if (r.done) break;
    first.push(r.value);
    have += r.value.length;
  }
  const head = Buffer.concat(first).subarray(0, n);
  async function* rest(): AsyncGenerator<Uint8Array> {
    yield* first;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head, stream: rest() };
};
