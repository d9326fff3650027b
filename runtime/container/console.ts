// A container's terminal when no --console-socket is given and bunker runs in the foreground: bunker receives the
// pty master itself and joins it to its own stdin and stdout, as runc does.
import { socketPair, recvFd } from "../../ffi/socket.ts";
import { close, writeAll } from "../../ffi/fd.ts";
import { createReadStream } from "node:fs";
import { setWindowSize } from "../../ffi/pty.ts";
import type { ConsoleTarget } from "../process/host-files.ts";

export interface ConsolePair {
  /** The end the setup stage sends the master on (given to it as its console socket). */
  stageEnd: number;
  /** After the stage is ready: receive the master and start copying. */
  attach(): ConsoleProxy;
  close(): void;
}

export interface ConsoleProxy {
  /** Resolves when the terminal's output has ended (the container closed its side). */
  done: Promise<void>;
  stop(): void;
}

/** Where a container's terminal goes: given a --console-socket path, or "foreground" for bunker itself. */
export type ConsoleRequest = { path: string } | "foreground";

/** What the setup stage is given for a terminal request, and the pair bunker keeps when it holds the terminal. */
export const consoleFor = (request: ConsoleRequest | undefined): { pair?: ConsolePair; target: ConsoleTarget; socketPath: string | null } => {
  if (request === undefined) return { target: null, socketPath: null };
  if (request === "foreground") {
    const pair = consolePair();
    return { pair, target: { fd: pair.stageEnd }, socketPath: null };
  }
  return { target: request, socketPath: request.path };
};

export const consolePair = (): ConsolePair => {
  const [ours, stageEnd] = socketPair();
  return {
    stageEnd,
    attach: () => {
      const { fd } = recvFd(ours);
      close(ours);
      return proxy(fd);
    },
    close: () => close(ours),
  };
};

const proxy = (master: number): ConsoleProxy => {
  const stdin = process.stdin;
  const raw = stdin.isTTY;
  const resize = (): void => {
    if (process.stdout.isTTY) setWindowSize(master, process.stdout.rows, process.stdout.columns);
  };
  resize();
  process.on("SIGWINCH", resize);
  if (raw) stdin.setRawMode(true);
  const onData = (d: Buffer): void => writeAll(master, d, "console");
  stdin.on("data", onData);
  const done = (async () => {
    try {
      // A pty cannot be pread(): Bun.file(fd).stream() fails with ESPIPE, a node read stream reads plainly.
      for await (const chunk of createReadStream("", { fd: master, autoClose: false })) process.stdout.write(chunk as Buffer);
    } catch {
      // EIO once the last slave fd closes: the container's side of the terminal is gone.
    }
  })();
  return {
    done,
    stop: () => {
      stdin.off("data", onData);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      process.off("SIGWINCH", resize);
      close(master);
    },
  };
};
