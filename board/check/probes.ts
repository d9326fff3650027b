// The real kernel probes behind `bunker board check`, through bunker's FFI wrappers.
import { closeSync, openSync, writeSync } from "node:fs";
import { syscallNumber } from "../../ffi/arch.ts";
import { check } from "../../ffi/check.ts";
import { SysError } from "../../ffi/errno.ts";
import { close } from "../../ffi/fd.ts";
import { libc } from "../../ffi/libc.ts";
import { pidfdOpen } from "../../ffi/process.ts";
import type { KernelProbes, ProbeResult } from "./system.ts";

const SECCOMP_SET_MODE_FILTER = 1n;

const failure = (err: unknown): ProbeResult => {
  if (err instanceof SysError) return { ok: false, errno: err.code };
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === "string") return { ok: false, errno: code };
  throw err;
};

export const realProbes: KernelProbes = {
  pidfdOpen: () => {
    try {
      close(pidfdOpen(process.pid));
      return { ok: true };
    } catch (err) {
      return failure(err);
    }
  },
  seccompFilterFlag: (flag) => {
    try {
      // A NULL filter: the kernel checks the flags, then fails to copy the program, so nothing is installed.
      check("seccomp", `SECCOMP_SET_MODE_FILTER flags ${flag}`, libc.syscall(syscallNumber("seccomp"), SECCOMP_SET_MODE_FILTER, BigInt(flag), 0n, 0n, 0n, 0n));
      return { ok: true };
    } catch (err) {
      const r = failure(err);
      return !r.ok && r.errno === "EFAULT" ? { ok: true } : r;
    }
  },
  psiTrigger: (path) => {
    let fd: number | undefined;
    try {
      fd = openSync(path, "r+");
      // The kernel overwrites the last byte written with NUL: the trigger must carry its own terminator (as in
      // Documentation/accounting/psi.rst), or the window loses its last digit. Closing the file removes the trigger.
      writeSync(fd, "some 150000 2000000\0");
      return { ok: true };
    } catch (err) {
      return failure(err);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  },
};
