// Tar archives made by the tests, including ones no well-behaved tool writes (names with '..', links out, bombs):
// ustar headers, with a pax header when a name, link or xattr needs one.

export interface TarMember {
  name: string;
  type?: "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo";
  data?: Uint8Array | string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Record<string, string>;
  /** Overrides the size field (a header that lies about its data). */
  size?: number;
}

const FLAGS = { file: "0", hardlink: "1", symlink: "2", char: "3", block: "4", dir: "5", fifo: "6" } as const;
const enc = new TextEncoder();

const octal = (n: number, width: number): string => n.toString(8).padStart(width - 1, "0");

const header = (name: string, flag: string, size: number, m: TarMember): Uint8Array => {
  const h = new Uint8Array(512);
  const put = (s: string, off: number, len: number) => h.set(enc.encode(s).subarray(0, len), off);
  put(name, 0, 100);
  put(octal(m.mode ?? (flag === "5" ? 0o755 : 0o644), 8), 100, 8);
  put(octal(m.uid ?? 0, 8), 108, 8);
  put(octal(m.gid ?? 0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(m.mtime ?? 1_700_000_000, 12), 136, 12);
  put(flag, 156, 1);
  put(m.linkname ?? "", 157, 100);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  put(octal(m.devmajor ?? 0, 8), 329, 8);
  put(octal(m.devminor ?? 0, 8), 337, 8);
  h.fill(0x20, 148, 156);
  const sum = h.reduce((a, b) => a + b, 0);
  put(`${octal(sum, 7)}\0`, 148, 8);
  return h;
};

const pad = (n: number): Uint8Array => new Uint8Array((512 - (n % 512)) % 512);

const paxRecord = (key: string, value: string): string => {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return `${len}${body}`;
};

export const tarBytes = (members: readonly TarMember[], opts: { end?: boolean } = {}): Uint8Array => {
  const parts: Uint8Array[] = [];
  for (const m of members) {
    const type = m.type ?? "file";
    const data = typeof m.data === "string" ? enc.encode(m.data) : (m.data ?? new Uint8Array(0));
    const pax = [
      ...(enc.encode(m.name).length > 100 ? [paxRecord("path", m.name)] : []),
      ...((m.linkname && enc.encode(m.linkname).length > 100) ? [paxRecord("linkpath", m.linkname)] : []),
      ...Object.entries(m.xattrs ?? {}).map(([k, v]) => paxRecord(`SCHILY.xattr.${k}`, v)),
    ].join("");
    if (pax) {
      const body = enc.encode(pax);
      parts.push(header("PaxHeader", "x", body.length, {} as TarMember), body, pad(body.length));
    }
    const size = m.size ?? (type === "file" ? data.length : 0);
    parts.push(header(m.name, FLAGS[type], size, m), data, pad(data.length));
  }
  if (opts.end !== false) parts.push(new Uint8Array(1024));
  return Buffer.concat(parts);
};

export async function* chunked(bytes: Uint8Array, size = 1000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
