// A streaming tar reader for the formats image tools write: ustar, POSIX pax (path, linkpath, size, ids, times,
// SCHILY.xattr) and GNU long names; GNU sparse files and multi-volume archives are refused. Every header is
// checksummed and every length bounded, so a hostile archive ends in one clear error, never in a large allocation.
import { ByteSource } from "./byte-source.ts";
import { escapeText } from "../text.ts";

export type EntryType = "file" | "hardlink" | "symlink" | "char" | "block" | "dir" | "fifo";

export interface TarEntry {
  name: string;
  type: EntryType;
  /** Permission bits and setuid/setgid/sticky (07777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch (pax gives fractions). */
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes from pax SCHILY.xattr records, by name. */
  xattrs: Map<string, Uint8Array>;
}

export const BLOCK = 512;
/** Bound on pax and GNU long-name headers: a name is at most PATH_MAX; xattrs are small. */
const MAX_META = 1024 * 1024;

const TYPES: Record<string, EntryType> = { "0": "file", "\0": "file", "7": "file", "1": "hardlink", "2": "symlink", "3": "char", "4": "block", "5": "dir", "6": "fifo" };

const utf8 = new TextDecoder("utf-8", { fatal: true });

const text = (b: Uint8Array, what: string): string => {
  const end = b.indexOf(0);
  try {
    return utf8.decode(end < 0 ? b : b.subarray(0, end));
  } catch {
    throw new Error(`Tar ${what} is not UTF-8`);
  }
};

/** Octal ASCII, or GNU base-256 when the high bit of the first byte is set. */
const number = (b: Uint8Array, what: string): number => {
  if (b[0]! & 0x80) {
    if (b[0] === 0xff) throw new Error(`Tar ${what} is negative`);
    let v = b[0]! & 0x7f;
    for (let i = 1; i < b.length; i++) v = v * 256 + b[i]!;
    if (!Number.isSafeInteger(v)) throw new Error(`Tar ${what} is too large`);
    return v;
  }
  const s = new TextDecoder("latin1").decode(b).replace(/\0.*$/s, "").trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) throw new Error(`Tar ${what} '${escapeText(s)}' is not an octal number`);
  const v = parseInt(s, 8);
  if (!Number.isSafeInteger(v)) throw new Error(`Tar ${what} is too large`);
  return v;
};

const checksumOk = (h: Uint8Array): boolean => {
  const stored = number(h.subarray(148, 156), "header checksum");
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
};

const isZero = (b: Uint8Array): boolean => b.every((x) => x === 0);

/** pax records: "<len> <key>=<value>\n", the length counting the whole record. Values stay bytes (xattrs). */
const paxRecords = (data: Uint8Array): Map<string, Uint8Array> => {
  const out = new Map<string, Uint8Array>();
  for (let pos = 0; pos < data.length; ) {
    const space = data.indexOf(0x20, pos);
    if (space < 0 || space - pos > 20) throw new Error("Tar pax header is malformed: a record has no length");
    const len = Number(new TextDecoder().decode(data.subarray(pos, space)));
    if (!Number.isSafeInteger(len) || len <= space - pos || pos + len > data.length || data[pos + len - 1] !== 0x0a)
      throw new Error("Tar pax header is malformed: a record's length does not fit it");
    const rec = data.subarray(space + 1, pos + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw new Error("Tar pax header is malformed: a record has no '='");
    out.set(text(rec.subarray(0, eq), "pax key"), rec.subarray(eq + 1).slice());
    pos += len;
  }
  return out;
};

const paxNumber = (v: Uint8Array, key: string): number => {
  const s = new TextDecoder().decode(v);
  if (!/^\d+(\.\d+)?$/.test(s)) throw new Error(`Tar pax ${key} '${escapeText(s)}' is not a number`);
  const n = Number(s);
  if (!Number.isSafeInteger(Math.floor(n))) throw new Error(`Tar pax ${key} is too large`);
  return n;
};

export interface TarReadOptions {
  /** For messages: "layer sha256:... of ...". */
  what: string;
}

export type HeaderBlock = { kind: "end" } | { kind: "extension"; flag: string; size: number } | { kind: "entry" };

/**
 * The state that carries from header to header: pax (local and global) and GNU long-name extensions apply to the
 * entry that follows them. Shared by the streaming reader and the seeking scanner of archive files.
 */
export class TarHeaders {
  private pax = new Map<string, Uint8Array>();
  private globalPax = new Map<string, Uint8Array>();
  private longName: string | undefined;
  private longLink: string | undefined;

  constructor(private readonly what: string) {}

  /** What the block at `at` is; extension data (bounded here) is then handed to `extension`. */
  classify(h: Uint8Array, at: number): HeaderBlock {
    if (h.length < BLOCK) throw new Error(`The ${this.what} ends inside a tar header at offset ${at}`);
    if (isZero(h)) return { kind: "end" };
    if (!checksumOk(h)) throw new Error(`The ${this.what} has a tar header with a bad checksum at offset ${at}`);
    const flag = String.fromCharCode(h[156]!);
    if (flag !== "x" && flag !== "g" && flag !== "L" && flag !== "K") return { kind: "entry" };
    const size = number(h.subarray(124, 136), "size");
    if (size > MAX_META) throw new Error(`The ${this.what} has a ${size}-byte tar extension header at offset ${at}, more than ${MAX_META}`);
    return { kind: "extension", flag, size };
  }

  extension(flag: string, body: Uint8Array): void {
    if (flag === "x") this.pax = new Map([...this.pax, ...paxRecords(body)]);
    else if (flag === "g") this.globalPax = new Map([...this.globalPax, ...paxRecords(body)]);
    else if (flag === "L") this.longName = text(body, "long name");
    else this.longLink = text(body, "long link name");
  }

  /** The entry of header block `h` with the extensions before it applied (and then cleared). */
  entry(h: Uint8Array, at: number): TarEntry {
    const flag = String.fromCharCode(h[156]!);
    const type = TYPES[flag];
    if (!type) throw new Error(`The ${this.what} has a tar entry of type '${escapeText(flag)}' at offset ${at}, which bunker does not unpack (sparse, multi-volume or unknown)`);
    const meta = new Map([...this.globalPax, ...this.pax]);
    if ([...meta.keys()].some((k) => k.startsWith("GNU.sparse"))) throw new Error(`The ${this.what} has a GNU sparse file at offset ${at}, which bunker does not unpack`);
    const magic = new TextDecoder("latin1").decode(h.subarray(257, 263));
    const prefix = magic === "ustar\0" ? text(h.subarray(345, 500), "name prefix") : "";
    const fromPax = (k: string): string | undefined => (meta.has(k) ? text(meta.get(k)!, `pax ${k}`) : undefined);
    const short = text(h.subarray(0, 100), "name");
    const name = fromPax("path") ?? this.longName ?? (prefix ? `${prefix}/${short}` : short);
    const linkname = fromPax("linkpath") ?? this.longLink ?? text(h.subarray(157, 257), "link name");
    const num = (k: string, off: number, len: number): number => (meta.has(k) ? paxNumber(meta.get(k)!, k) : number(h.subarray(off, off + len), k));
    const xattrs = new Map<string, Uint8Array>();
    for (const [k, v] of meta) if (k.startsWith("SCHILY.xattr.")) xattrs.set(k.slice("SCHILY.xattr.".length), v);
    this.pax = new Map();
    this.longName = this.longLink = undefined;
    return {
      name,
      type,
      mode: number(h.subarray(100, 108), "mode") & 0o7777,
      uid: Math.floor(num("uid", 108, 8)),
      gid: Math.floor(num("gid", 116, 8)),
      // Only regular files carry data, as Go's archive/tar (which writes most images) has it.
      size: type === "file" ? num("size", 124, 12) : 0,
      mtime: num("mtime", 136, 12),
      linkname,
      devmajor: number(h.subarray(329, 337), "devmajor"),
      devminor: number(h.subarray(337, 345), "devminor"),
      xattrs,
    };
  }
}

/** Bytes of data and padding that follow an entry's header. */
export const paddedSize = (size: number): number => Math.ceil(size / BLOCK) * BLOCK;

/**
 * Yields each entry with a reader of its contents; the caller reads `body()` or leaves it (skipped) before asking
 * for the next entry. Ends at the end-of-archive blocks or at the end of the data after a whole entry.
 */
export async function* readTar(source: AsyncIterable<Uint8Array>, opts: TarReadOptions): AsyncGenerator<{ entry: TarEntry; body: () => AsyncGenerator<Uint8Array> }> {
  const src = new ByteSource(source);
  const headers = new TarHeaders(opts.what);
  for (;;) {
    const at = src.position;
    const h = await src.read(BLOCK);
    if (h.length === 0) return;
    const block = headers.classify(h, at);
    const where = (): string => `the ${opts.what}, tar entry at offset ${at}`;
    if (block.kind === "end") {
      await src.drain();
      return;
    }
    if (block.kind === "extension") {
      const data = await src.read(paddedSize(block.size));
      if (data.length < paddedSize(block.size)) throw new Error(`${where()}: the data ends early`);
      headers.extension(block.flag, data.subarray(0, block.size));
      continue;
    }
    const entry = headers.entry(h, at);
    let consumed = false;
    const body = (): AsyncGenerator<Uint8Array> => {
      if (consumed) throw new Error(`${where()}: its data was already read`);
      consumed = true;
      return src.run(entry.size, where);
    };
    yield { entry, body };
    if (!consumed) await src.skip(entry.size, where);
    else if (src.position < at + BLOCK + entry.size) throw new Error(`${where()}: its data was not read to the end`);
    const pad = paddedSize(entry.size) - entry.size;
    // umoci 0.4 ends a layer right after the last entry's data (no padding, no end blocks): that entry is whole.
    if (pad && (await src.read(pad)).length < pad) return;
  }
}
