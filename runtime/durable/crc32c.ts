// CRC32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum every bunker record carries.
// Table-driven, one byte per step: records are small, so a slicing-by-8 table would cost more memory than it saves.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Continues a running CRC over `bytes`; start from `crc32c(first)` and feed later parts through `crc32cUpdate`. */
export const crc32cUpdate = (crc: number, bytes: Uint8Array, start = 0, end = bytes.length): number => {
  let c = ~crc >>> 0;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
};

export const crc32c = (bytes: Uint8Array, start = 0, end = bytes.length): number => crc32cUpdate(0, bytes, start, end);
