// getdents64(2): the names in a directory read through a descriptor, one bounded buffer at a time.
import { syscallNumber } from "./arch.ts";
import { check } from "./check.ts";
import { addr } from "./cstring.ts";
import { libc } from "./libc.ts";

/** What one getdents64 call fills; a directory is read in as many batches as it needs. */
export const DIRENT_BUFFER = 32 * 1024;

/**
 * The next batch of names of the directory open at `fd` (O_RDONLY|O_DIRECTORY), without "." and ".."; an empty
 * batch is the end. `buf` is reused between calls.
 */
export const readDirBatch = (fd: number, buf: Buffer): string[] => {
  const names: string[] = [];
  for (;;) {
    const n = check("getdents64", `fd ${fd}`, libc.syscall(syscallNumber("getdents64"), BigInt(fd), addr(buf), BigInt(buf.length), 0n, 0n, 0n));
    if (n === 0) return names;
    // struct linux_dirent64: u64 d_ino, i64 d_off, u16 d_reclen, u8 d_type, char d_name[] (NUL-terminated).
    for (let off = 0; off < n; ) {
      const reclen = buf.readUInt16LE(off + 16);
      const name = buf.toString("utf8", off + 19, buf.indexOf(0, off + 19));
      if (name !== "." && name !== "..") names.push(name);
      off += reclen;
    }
    // A batch of only "." and ".." is not the end.
    if (names.length) return names;
  }
};
