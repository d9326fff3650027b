// A blocking line channel over a pair of fds. Both ends are synchronous on purpose: the setup stage has nothing
// else to do, and the parent must not run anything else while a container is half made. The parent's side writes to
// a unix socket (spawn-stage.ts), so that descriptors can travel with a line.
import type { Syscalls } from "../../ffi/syscalls.ts";

/** The kernel's limit on descriptors in one SCM_RIGHTS message (SCM_MAX_FD). */
export const MAX_FDS_PER_LINE = 253;

export class LineChannel {
  private pending = "";
  constructor(
    private readonly sys: Pick<Syscalls, "read" | "writeAll" | "close" | "sendFds" | "recvFds">,
    readonly readFd: number,
    readonly writeFd: number,
  ) {}

  send(data: Uint8Array): void {
    this.sys.writeAll(this.writeFd, data, "sync pipe");
  }

  /** Sends `data` with `fds` attached to its first bytes (SCM_RIGHTS: the write end is a unix socket). */
  sendWithFds(data: Uint8Array, fds: readonly number[]): void {
    if (!fds.length) return this.send(data);
    const sent = this.sys.sendFds(this.writeFd, fds, data);
    if (sent < data.length) this.sys.writeAll(this.writeFd, data.subarray(sent), "sync socket");
  }

  /** The next line, or undefined at end of file (the other side exited or exec'd). */
  receive(): string | undefined {
    return this.next(false)?.line;
  }

  /** The next line and the descriptors that came with it (close-on-exec), or undefined at end of file. */
  receiveWithFds(): { line: string; fds: number[] } | undefined {
    return this.next(true);
  }

  private next(withFds: boolean): { line: string; fds: number[] } | undefined {
    const fds: number[] = [];
    for (;;) {
      const nl = this.pending.indexOf("\n");
      if (nl >= 0) {
        const line = this.pending.slice(0, nl);
        this.pending = this.pending.slice(nl + 1);
        return { line, fds };
      }
      let chunk: Buffer;
      if (withFds) {
        const got = this.sys.recvFds(this.readFd, MAX_FDS_PER_LINE, 65536);
        fds.push(...got.fds);
        chunk = got.data;
      } else chunk = this.sys.read(this.readFd, 65536);
      if (chunk.length === 0) {
        fds.forEach((fd) => this.sys.close(fd));
        return undefined;
      }
      this.pending += chunk.toString("utf8");
    }
  }

  close(): void {
    this.sys.close(this.readFd);
    this.sys.close(this.writeFd);
  }
}
