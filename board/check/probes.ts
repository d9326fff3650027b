// The real kernel probes behind `bunker board check`, through bunker's FFI wrappers.
import { closeSync, openSync, writeSync } from "node:fs";
import { SysError } from "../../ffi/errno.ts";
import { close } from "../../ffi/fd.ts";
import { pidfdOpen } from "../../ffi/process.ts";
import { seccompFlagsRefused } from "../../ffi/seccomp.ts";
import { hostCriu } from "../../runtime/checkpoint/criu.ts";
import type { KernelProbes, ProbeResult } from "./system.ts";
import { BPF_PROG_TYPE, BPF_ATTACH, progLoad } from "../../ffi/bpf.ts";
import { encodeInsns } from "../../runtime/bpf/asm.ts";
import { connect4Insns, POLICY_LICENSE } from "../../runtime/network/sock-policy-program.ts";

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
    const refused = seccompFlagsRefused(flag);
    return refused === null ? { ok: true } : { ok: false, errno: refused };
  },
  socketPolicyProgram: () => {
    try {
      // One rule: the instructions every policy uses (a prefix, a port range, a protocol).
      const insns = connect4Insns([{ family: 4, addr: [127, 0, 0, 0], prefix: 8, lo: 1, hi: 1024, protocol: "tcp" }]);
      close(progLoad({ type: BPF_PROG_TYPE.CGROUP_SOCK_ADDR, expectedAttachType: BPF_ATTACH.INET4_CONNECT, insns: encodeInsns(insns), license: POLICY_LICENSE }));
      return { ok: true };
    } catch (err) {
      return failure(err);
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
  criu: (args) => {
    const criu = hostCriu();
    const version = criu.version();
    return version === undefined ? undefined : { version, ...criu.check(args) };
  },
};
