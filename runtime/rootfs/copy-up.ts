// tmpcopyup: what a directory held before a tmpfs covered it, copied into the tmpfs (mode and owner kept, as runc).
// Both sides are descriptors: the covered directory opened before the mount, the new mount resolved after it; every
// entry is created under a descriptor of ours and opened with O_NOFOLLOW, so nothing is looked up by path.
import { AT, AT_FDCWD, O, O_DIRECTORY, O_NOFOLLOW, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from "../../ffi/constants.ts";
import { DIRENT_BUFFER } from "../../ffi/dirents.ts";
import { makedev, procFdPath } from "../../ffi/fd.ts";
import type { FsSyscalls } from "../../ffi/syscalls.ts";

const CHUNK = 64 * 1024;

type Sys = Pick<FsSyscalls, "readDirBatch" | "statx" | "mkdirat" | "openat" | "close" | "readlinkat" | "symlinkat" | "mknodat" | "fchownat" | "fchmodat" | "read" | "writeAll">;

const copyData = (sys: Sys, from: number, to: number, name: string): void => {
  const src = sys.openat(from, name, O.RDONLY | O_NOFOLLOW | O.CLOEXEC);
  try {
    const dst = sys.openat(to, name, O.WRONLY | O.CREAT | O.EXCL | O_NOFOLLOW | O.CLOEXEC, 0o600);
    try {
      for (let chunk = sys.read(src, CHUNK); chunk.length; chunk = sys.read(src, CHUNK)) sys.writeAll(dst, chunk, name);
    } finally {
      sys.close(dst);
    }
  } finally {
    sys.close(src);
  }
};

/** Copies the entries of the directory open at `from` (O_RDONLY) into the one open at `to`. */
export const copyDirContents = (sys: Sys, from: number, to: number, buf: Buffer = Buffer.alloc(DIRENT_BUFFER)): void => {
  for (let batch = sys.readDirBatch(from, buf); batch.length; batch = sys.readDirBatch(from, buf)) {
    for (const name of batch) {
      const st = sys.statx(from, name, AT.SYMLINK_NOFOLLOW);
      const type = st.mode & S_IFMT;
      if (type === S_IFDIR) {
        sys.mkdirat(to, name, 0o700);
        const sub = sys.openat(from, name, O.RDONLY | O_DIRECTORY | O_NOFOLLOW | O.CLOEXEC);
        try {
          const made = sys.openat(to, name, O.PATH | O_DIRECTORY | O_NOFOLLOW | O.CLOEXEC);
          try {
            copyDirContents(sys, sub, made, buf);
          } finally {
            sys.close(made);
          }
        } finally {
          sys.close(sub);
        }
      } else if (type === S_IFLNK) sys.symlinkat(sys.readlinkat(from, name), to, name);
      else if (type === S_IFREG) copyData(sys, from, to, name);
      else sys.mknodat(to, name, st.mode, makedev(st.rdev.major, st.rdev.minor));
      sys.fchownat(to, name, st.uid, st.gid, AT.SYMLINK_NOFOLLOW);
      if (type === S_IFLNK) continue;
      const made = sys.openat(to, name, O.PATH | O_NOFOLLOW | O.CLOEXEC);
      try {
        // Exactly the mode it had (creation took the umask off); fchmod refuses O_PATH, the magic link does not.
        sys.fchmodat(AT_FDCWD, procFdPath(made), st.mode & 0o7777);
      } finally {
        sys.close(made);
      }
    }
  }
};
