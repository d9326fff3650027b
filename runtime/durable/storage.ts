// The storage layer the journal and checkpoints write through: small enough to fake with power-loss semantics
// (fault-storage.ts), and counted, so benchmarks can report writes and syncs per change.
import { startWriteback } from "../../ffi/fd.ts";
import { closeSync, constants, fdatasyncSync, fsyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, statSync, writeSync } from "node:fs";

/** Device sector size assumed by the journal's layout and by the power-loss models. */
export const SECTOR = 512;

export interface StorageFile {
  readonly path: string;
  /** Whether writes bypass the page cache (then offsets and lengths must be multiples of SECTOR). */
  readonly direct: boolean;
  size(): number;
  writeAt(offset: number, data: Uint8Array): void;
  append(data: Uint8Array): void;
  truncate(length: number): void;
  /** Makes the file's data and size durable (fdatasync). Its directory entry needs `Storage.fsyncDir`. */
  fsync(): void;
  /** Starts writing a range back without waiting (a hint: the fsync that follows is what makes it durable). */
  startWriteback?(offset: number, length: number): void;
  close(): void;
}

export interface StorageCounters {
  writes: number;
  bytes: number;
  fsyncs: number;
}

export interface Storage {
  readonly counters: StorageCounters;
  /** Opens for writing; `direct` asks for O_DIRECT and silently falls back when the file system refuses it; `mode`:
   * permission bits of a new file (default 0600). */
  open(path: string, opts?: { create?: boolean; direct?: boolean; mode?: number }): StorageFile;
  /** The whole file, or undefined when it does not exist. */
  read(path: string): Uint8Array | undefined;
  /** Up to `length` bytes at `offset` (fewer at the end of the file): for files too large to hold in memory. */
  readAt(path: string, offset: number, length: number): Uint8Array;
  /** The file's size, or undefined when it does not exist. */
  size(path: string): number | undefined;
  /** Names of the entries in `dir` (not paths), or none when it does not exist. */
  list(dir: string): string[];
  /** Creates the directory and its parents when missing. */
  ensureDir(dir: string): void;
  rename(from: string, to: string): void;
  fsyncDir(dir: string): void;
  remove(path: string): void;
}

export const newCounters = (): StorageCounters => ({ writes: 0, bytes: 0, fsyncs: 0 });

const isCode = (err: unknown, code: string): boolean => (err as { code?: string })?.code === code;

class FsFile implements StorageFile {
  direct: boolean;
  private fd: number;

  constructor(
    readonly path: string,
    private readonly counters: StorageCounters,
    create: boolean,
    direct: boolean,
    mode: number,
  ) {
    const flags = constants.O_RDWR | (create ? constants.O_CREAT : 0);
    this.direct = direct;
    try {
      this.fd = openSync(path, flags | (direct ? constants.O_DIRECT : 0), mode);
    } catch (err) {
      if (!direct || !isCode(err, "EINVAL")) throw err;
      this.direct = false;
      this.fd = openSync(path, flags, mode);
    }
  }

  size(): number {
    return fstatSync(this.fd).size;
  }

  writeAt(offset: number, data: Uint8Array): void {
    const buf = this.direct ? alignedCopy(data) : data;
    try {
      writeSync(this.fd, buf, 0, data.length, offset);
    } catch (err) {
      // Some file systems accept O_DIRECT at open and refuse the first write; continue through the page cache.
      if (!this.direct || !isCode(err, "EINVAL")) throw err;
      this.reopenBuffered();
      writeSync(this.fd, data, 0, data.length, offset);
    }
    this.counters.writes++;
    this.counters.bytes += data.length;
  }

  append(data: Uint8Array): void {
    this.writeAt(this.size(), data);
  }

  truncate(length: number): void {
    ftruncateSync(this.fd, length);
    this.counters.writes++;
  }

  fsync(): void {
    fdatasyncSync(this.fd);
    this.counters.fsyncs++;
  }

  startWriteback(offset: number, length: number): void {
    startWriteback(this.fd, offset, length);
  }

  close(): void {
    closeSync(this.fd);
  }

  private reopenBuffered(): void {
    closeSync(this.fd);
    this.fd = openSync(this.path, constants.O_RDWR, 0o600);
    this.direct = false;
  }
}

/** O_DIRECT needs sector-aligned memory: a fresh ArrayBuffer of whole sectors is (checked on x64 and arm64). */
const alignedCopy = (data: Uint8Array): Uint8Array => {
  if (data.length % SECTOR !== 0) throw new RangeError(`Direct write: length ${data.length} is not a multiple of ${SECTOR}`);
  const out = new Uint8Array(new ArrayBuffer(data.length));
  out.set(data);
  return out;
};

/** The real storage: node:fs synchronous calls, which is what a durable `record()` needs anyway. */
export const fsStorage = (): Storage => {
  const counters = newCounters();
  return {
    counters,
    open: (path, opts = {}) => new FsFile(path, counters, opts.create ?? false, opts.direct ?? false, opts.mode ?? 0o600),
    read(path) {
      try {
        return readFileSync(path);
      } catch (err) {
        if (isCode(err, "ENOENT")) return undefined;
        throw err;
      }
    },
    readAt(path, offset, length) {
      const fd = openSync(path, constants.O_RDONLY);
      try {
        const buf = new Uint8Array(length);
        return buf.subarray(0, readSync(fd, buf, 0, length, offset));
      } finally {
        closeSync(fd);
      }
    },
    size(path) {
      try {
        return statSync(path).size;
      } catch (err) {
        if (isCode(err, "ENOENT")) return undefined;
        throw err;
      }
    },
    list(dir) {
      try {
        return readdirSync(dir);
      } catch (err) {
        if (isCode(err, "ENOENT")) return [];
        throw err;
      }
    },
    ensureDir: (dir) => void mkdirSync(dir, { recursive: true }),
    rename(from, to) {
      renameSync(from, to);
      counters.writes++;
    },
    fsyncDir(dir) {
      const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
      try {
        fsyncSync(fd);
        counters.fsyncs++;
      } finally {
        closeSync(fd);
      }
    },
    remove(path) {
      rmSync(path, { force: true });
      counters.writes++;
    },
  };
};
