// Reading a service's log ring (log-ring.ts) for `bunker logs`: both generations oldest first, in chunks (never a
// whole file in memory), filtered by time, the last N lines, and followed as the daemon appends, across a rotation.
import { closeSync, fstatSync, openSync, readSync, statSync, watch } from "node:fs";
import { dirname } from "node:path";
import { logPath, olderLogPath } from "./log-ring.ts";

export interface LogFilter {
  /** ISO time: lines from then on (the records' times are ISO strings of one length, so they compare as text). */
  since?: string;
  /** Only the last N lines (of those since `since`). */
  tail?: number;
}

const CHUNK = 16 * 1024;

/** Reads `fd` from `offset` to its end, calling `line` for each complete line; returns the offset after the last. */
const readLines = (fd: number, offset: number, line: (text: string) => void): number => {
  const buf = Buffer.alloc(CHUNK);
  let rest = "";
  let pos = offset;
  let consumed = offset;
  for (;;) {
    const n = readSync(fd, buf, 0, CHUNK, pos);
    if (n === 0) break;
    pos += n;
    const text = rest + buf.toString("utf8", 0, n);
    const lines = text.split("\n");
    rest = lines.pop()!;
    for (const l of lines) {
      line(l);
      consumed += Buffer.byteLength(l) + 1;
    }
  }
  return consumed;
};

const openIfThere = (path: string): number | undefined => {
  try {
    return openSync(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
};

/** Reads both generations; returns the newer one's fd (still open) and where its lines end, for following it. */
const readBoth = (dir: string, service: string, f: LogFilter, print: (line: string) => void): { fd: number | undefined; offset: number } => {
  const kept: string[] = [];
  const take = (l: string): void => {
    if (f.since !== undefined && l.slice(0, 24) < f.since) return;
    if (f.tail === undefined) return print(l);
    kept.push(l);
    if (kept.length > f.tail) kept.shift();
  };
  const older = openIfThere(olderLogPath(dir, service));
  if (older !== undefined) {
    try {
      readLines(older, 0, take);
    } finally {
      closeSync(older);
    }
  }
  const fd = openIfThere(logPath(dir, service));
  const offset = fd === undefined ? 0 : readLines(fd, 0, take);
  if (f.tail !== undefined) kept.forEach((l) => print(l));
  return { fd, offset };
};

/** The matching lines in order, through `print`; with `tail`, only the last N are held (and printed at the end). */
export const readLog = (dir: string, service: string, f: LogFilter, print: (line: string) => void): void => {
  const { fd } = readBoth(dir, service, f, print);
  if (fd !== undefined) closeSync(fd);
};

/** Prints the log as `readLog` does, then what is appended, until `signal` aborts. */
export const followLog = async (dir: string, service: string, f: LogFilter, print: (line: string) => void, signal: AbortSignal): Promise<void> => {
  const path = logPath(dir, service);
  let { fd, offset } = readBoth(dir, service, f, print);
  const catchUp = (): void => {
    if (fd !== undefined) offset = readLines(fd, offset, print);
    // A rotation renamed the file this fd reads: what it still held is read above; the new file starts at 0.
    let ino: number | undefined;
    try {
      ino = statSync(path).ino;
    } catch {
      return;
    }
    if (fd !== undefined && fstatSync(fd).ino === ino) return;
    if (fd !== undefined) closeSync(fd);
    fd = openIfThere(path);
    offset = fd === undefined ? 0 : readLines(fd, 0, print);
  };
  const watcher = watch(dirname(path), (_event, name) => {
    if (name === `${service}.log` || name === `${service}.log.1`) catchUp();
  });
  try {
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
  } finally {
    watcher.close();
    if (fd !== undefined) closeSync(fd);
  }
};
