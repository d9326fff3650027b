// An async stream of chunks read as exact byte counts: whole small pieces (tar headers), or a run of bytes passed
// on chunk by chunk (file contents) without gathering them. Holds at most one chunk beyond what was asked for.

export class ByteSource {
  private readonly it: AsyncIterator<Uint8Array>;
  private head: Uint8Array = new Uint8Array(0);
  private done = false;
  /** Bytes handed out so far: where in the stream the next read starts. */
  position = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    while (this.head.length === 0 && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.head = r.value;
    }
    return this.head.length > 0;
  }

  /** Exactly `n` bytes, or fewer when the stream ends first. */
  async read(n: number): Promise<Uint8Array> {
    if (this.head.length >= n || !(await this.fill()) || this.head.length >= n) return this.take(Math.min(n, this.head.length));
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n && (await this.fill())) {
      const piece = this.take(Math.min(n - got, this.head.length));
      out.set(piece, got);
      got += piece.length;
    }
    return out.subarray(0, got);
  }

  private take(n: number): Uint8Array {
    const piece = this.head.subarray(0, n);
    this.head = this.head.subarray(n);
    this.position += n;
    return piece;
  }

  /** The next `n` bytes as they arrive; throws when the stream ends before. */
  async *run(n: number, what: () => string): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (!(await this.fill())) throw new Error(`${what()}: the data ends ${left} bytes early`);
      const piece = this.take(Math.min(left, this.head.length));
      left -= piece.length;
      yield piece;
    }
  }

  async skip(n: number, what: () => string): Promise<void> {
    for await (const _ of this.run(n, what));
  }

  /** Reads to the end, throwing away what is left (a tar's trailing blocks). */
  async drain(): Promise<void> {
    while (await this.fill()) this.take(this.head.length);
  }
}
