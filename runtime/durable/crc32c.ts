// CRC32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum every bunker record carries.
// Slicing-by-8 (eight 256-entry tables, 8 KiB): a checkpoint's chunk records are 64 KiB and a process checkpoint
// holds megabytes of them, where one byte per step was the slowest part of reading it on an emulated board.

const TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) for (let k = 1; k < 8; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n]! >>> 8) ^ t[t[(k - 1) * 256 + n]! & 0xff]!;
  return t;
})();

/** Continues a running CRC over `bytes`; start from `crc32c(first)` and feed later parts through `crc32cUpdate`. */
export const crc32cUpdate = (crc: number, bytes: Uint8Array, start = 0, end = bytes.length): number => {
  const t = TABLES;
  let c = ~crc >>> 0;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const lo = (c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0;
    c =
      t[1792 + (lo & 0xff)]! ^ t[1536 + ((lo >>> 8) & 0xff)]! ^ t[1280 + ((lo >>> 16) & 0xff)]! ^ t[1024 + (lo >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^ t[512 + bytes[i + 5]!]! ^ t[256 + bytes[i + 6]!]! ^ t[bytes[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
};

export const crc32c = (bytes: Uint8Array, start = 0, end = bytes.length): number => crc32cUpdate(0, bytes, start, end);
