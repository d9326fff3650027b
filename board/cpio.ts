// The "newc" cpio format the kernel unpacks as an initramfs, written here so the lane needs no `cpio` binary.

export type CpioEntry =
  | { kind: "dir"; path: string; mode?: number }
  | { kind: "file"; path: string; data: Uint8Array; mode?: number }
  | { kind: "symlink"; path: string; target: string }
  | { kind: "chardev"; path: string; major: number; minor: number; mode?: number };

const TYPE_BITS = { dir: 0o040000, file: 0o100000, symlink: 0o120000, chardev: 0o020000 } as const;
const DEFAULT_MODE = { dir: 0o755, file: 0o644, symlink: 0o777, chardev: 0o600 } as const;
const TRAILER = "TRAILER!!!";

const hex8 = (n: number): string => {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`Write cpio header: field out of range: '${n}'`);
  return n.toString(16).padStart(8, "0");
};

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

const header = (ino: number, mode: number, size: number, name: string, rdev: [number, number] = [0, 0]): Uint8Array => {
  const nameBytes = Buffer.from(`${name}\0`, "utf8");
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
  const fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, rdev[0], rdev[1], nameBytes.length, 0];
  const text = Buffer.from(`070701${fields.map(hex8).join("")}`, "latin1");
  const out = new Uint8Array(text.length + nameBytes.length + pad4(text.length + nameBytes.length));
  out.set(text, 0);
  out.set(nameBytes, text.length);
  return out;
};

const body = (e: CpioEntry): Uint8Array =>
  e.kind === "file" ? e.data : e.kind === "symlink" ? Buffer.from(e.target, "utf8") : new Uint8Array(0);

/** One uncompressed newc archive, ending with the trailer. Paths are relative to the archive root ("bin/sh"). */
export const newcArchive = (entries: readonly CpioEntry[]): Uint8Array<ArrayBuffer> => {
  const parts: Uint8Array[] = [];
  entries.forEach((e, i) => {
    const path = e.path.replace(/^\/+/, "");
    if (!path) throw new Error(`Write cpio entry: empty path: '${e.path}'`);
    const perm = e.kind === "symlink" ? DEFAULT_MODE.symlink : (e.mode ?? DEFAULT_MODE[e.kind]);
    const data = body(e);
    const rdev: [number, number] = e.kind === "chardev" ? [e.major, e.minor] : [0, 0];
    parts.push(header(i + 1, TYPE_BITS[e.kind] | perm, data.length, path, rdev), data, new Uint8Array(pad4(data.length)));
  });
  parts.push(header(0, 0, 0, TRAILER));
  return Buffer.concat(parts);
};
