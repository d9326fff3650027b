// A blocking line channel over a pair of pipe fds. Both ends are synchronous on purpose: the setup stage has nothing
// else to do, and the parent must not run anything else while a container is half made.
import type { Syscalls } from "../../ffi/syscalls.ts";

export class LineChannel {
  private pending = "";
  constructor(
    private readonly sys: Pick<Syscalls, "read" | "writeAll" | "close">,
    readonly readFd: number,
    readonly writeFd: number,
  ) {}

  send(data: Uint8Array): void {
    this.sys.writeAll(this.writeFd, data, "sync pipe");
  }

  /** The next line, or undefined at end of file (the other side exited or exec'd). */
  receive(): string | undefined {
    for (;;) {
      const nl = this.pending.indexOf("\n");
      if (nl >= 0) {
        const line = this.pending.slice(0, nl);
        this.pending = this.pending.slice(nl + 1);
        return line;
      }
      const chunk = this.sys.read(this.readFd, 65536);
      if (chunk.length === 0) return undefined;
      this.pending += chunk.toString("utf8");
    }
  }

  close(): void {
    this.sys.close(this.readFd);
    this.sys.close(this.writeFd);
  }
}
