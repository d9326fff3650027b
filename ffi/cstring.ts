// Marshalling of C strings and string arrays. Callers must keep the returned buffers alive across the call.
import { ptr } from "bun:ffi";

export const cstr = (s: string): Buffer => Buffer.from(`${s}\0`, "utf8");

/** A NULL-terminated `char *const[]`, plus the strings it points to (keep `keep` referenced until the call returns). */
export const cstrArray = (items: readonly string[]): { array: BigUint64Array; keep: Buffer[] } => {
  const keep = items.map(cstr);
  const array = new BigUint64Array(items.length + 1);
  keep.forEach((b, i) => (array[i] = BigInt(ptr(b))));
  return { array, keep };
};

/** A buffer's address as the integer argument of `syscall()`; keep the buffer referenced until the call returns. */
export const addr = (buf: NodeJS.TypedArray | Buffer): bigint => BigInt(ptr(buf));
