// Byte-level reading and writing: little-endian integers and LEB128 varints, with every read bounds-checked so a
// hostile file can at most make a read fail, never allocate more than the bytes it actually holds.

/** A malformed or truncated encoding. Callers layer it under an error naming the file. */
export class FormatError extends Error {
  override readonly name = "FormatError";
}

const TWO32 = 2 ** 32;

/** Zigzag mapping so small negative numbers stay short: 0, -1, 1, -2 ... -> 0, 1, 2, 3 ... */
export const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);
export const unzigzag = (z: number): number => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/** Largest magnitude a signed varint carries exactly (its zigzag form must stay a safe integer). */
export const MAX_SIGNED = 2 ** 52 - 1;

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.length++] = v;
    return this;
  }

  u32(v: number): this {
    this.room(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
    return this;
  }

  u64(v: number): this {
    this.room(8);
    this.view.setUint32(this.length, v % TWO32, true);
    this.view.setUint32(this.length + 4, Math.floor(v / TWO32), true);
    this.length += 8;
    return this;
  }

  /** Unsigned LEB128 of a safe integer: 7 bits a byte, at most 8 bytes. */
  uvarint(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`Encode varint: '${v}' is not a non-negative safe integer`);
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
    return this;
  }

  svarint(v: number): this {
    if (!Number.isSafeInteger(v) || Math.abs(v) > MAX_SIGNED) throw new RangeError(`Encode signed varint: '${v}' is out of range`);
    return this.uvarint(zigzag(v));
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /** A view of what was written (valid until the next write). */
  written(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** A copy of what was written. */
  take(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export class ByteReader {
  pos: number;
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (n > this.end - this.pos) throw new FormatError(`${what} at offset ${this.pos} needs ${n} bytes, ${this.end - this.pos} left`);
  }

  u8(): number {
    this.need(1, "Byte");
    return this.buf[this.pos++]!;
  }

  u32(): number {
    this.need(4, "32-bit integer");
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u64(): number {
    this.need(8, "64-bit integer");
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    if (hi >= 2 ** 21) throw new FormatError(`64-bit integer at offset ${this.pos} exceeds 2^53`);
    this.pos += 8;
    return hi * TWO32 + lo;
  }

  uvarint(): number {
    const at = this.pos;
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) throw new FormatError(`Varint at offset ${at} is cut off`);
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(v)) throw new FormatError(`Varint at offset ${at} exceeds 2^53`);
        return v;
      }
      scale *= 0x80;
    }
    throw new FormatError(`Varint at offset ${at} is longer than 8 bytes`);
  }

  svarint(): number {
    return unzigzag(this.uvarint());
  }

  /** A view of the next `n` bytes (no copy). */
  bytes(n: number): Uint8Array {
    this.need(n, "Byte string");
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}
