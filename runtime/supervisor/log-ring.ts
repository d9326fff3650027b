// A service's stdout and stderr on flash, bounded: two generations of `<dir>/<service>.log`, each at most half of the
// service's budget; the older one is dropped when the newer is full. Lines are buffered in memory up to a size and a
// time limit and then written in one append, so flash sees few, sequential writes, and none while the service is
// quiet (no timer runs then). Line format: `<ISO time> <out|err> <text>`.
import { appendFileSync, mkdirSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";

export type LogStream = "out" | "err";

export interface LogRingOptions {
  dir: string;
  service: string;
  /** Flash the log may take, both generations together. */
  maxBytes: number;
  /** Buffered bytes that trigger a write (default 64 KiB, at most a generation). */
  bufferBytes?: number;
  /** Longest time a line waits in memory before it is written (default 30 s). */
  flushMs?: number;
  now?: () => number;
}

/** A line longer than this is cut (the rest goes to the next record): one line never holds more memory. */
export const MAX_LINE = 8 * 1024;

export const logPath = (dir: string, service: string): string => join(dir, `${service}.log`);
export const olderLogPath = (dir: string, service: string): string => `${logPath(dir, service)}.1`;

export class LogRing {
  private readonly path: string;
  private readonly generation: number;
  private readonly bufferBytes: number;
  private readonly flushMs: number;
  private readonly now: () => number;
  private size: number;
  private pending: string[] = [];
  private pendingBytes = 0;
  private readonly partial: Record<LogStream, string> = { out: "", err: "" };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly decoders: Record<LogStream, TextDecoder> = { out: new TextDecoder(), err: new TextDecoder() };
  /** Bytes handed to the file system, for the figures. */
  written = 0;

  constructor(o: LogRingOptions) {
    mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    this.path = logPath(o.dir, o.service);
    this.generation = Math.max(4096, Math.floor(o.maxBytes / 2));
    this.bufferBytes = Math.min(o.bufferBytes ?? 64 * 1024, this.generation);
    this.flushMs = o.flushMs ?? 30_000;
    this.now = o.now ?? Date.now;
    try {
      this.size = statSync(this.path).size;
    } catch {
      this.size = 0;
    }
  }

  /** Takes a chunk of the service's output; complete lines are buffered, the rest waits for its newline. */
  append(stream: LogStream, chunk: Uint8Array | string): void {
    let text = this.partial[stream] + (typeof chunk === "string" ? chunk : this.decoders[stream].decode(chunk, { stream: true }));
    const stamp = new Date(this.now()).toISOString();
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n")) {
      this.line(stamp, stream, text.slice(0, nl));
      text = text.slice(nl + 1);
    }
    while (text.length > MAX_LINE) {
      this.line(stamp, stream, text.slice(0, MAX_LINE));
      text = text.slice(MAX_LINE);
    }
    this.partial[stream] = text;
  }

  private line(stamp: string, stream: LogStream, text: string): void {
    const record = `${stamp} ${stream} ${text.slice(0, MAX_LINE)}\n`;
    this.pending.push(record);
    this.pendingBytes += Buffer.byteLength(record);
    if (this.pendingBytes >= this.bufferBytes) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  /** Writes what is buffered in one append, starting a new generation first when it would not fit. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.length) return;
    const data = this.pending.join("");
    this.pending = [];
    this.pendingBytes = 0;
    const bytes = Buffer.byteLength(data);
    if (this.size > 0 && this.size + bytes > this.generation) {
      renameSync(this.path, `${this.path}.1`);
      this.size = 0;
    }
    appendFileSync(this.path, data, { mode: 0o600 });
    this.size += bytes;
    this.written += bytes;
  }

  /** Flushes, including a last line without its newline. */
  close(): void {
    const stamp = new Date(this.now()).toISOString();
    for (const stream of ["out", "err"] as const) {
      const rest = this.partial[stream] + this.decoders[stream].decode();
      if (rest) this.line(stamp, stream, rest);
      this.partial[stream] = "";
    }
    this.flush();
  }
}
