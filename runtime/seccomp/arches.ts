// The architectures a filter can cover: the AUDIT_ARCH_* value the kernel reports in seccomp_data.arch, the width of
// the syscall arguments, and the syscall table. x86_64 and x32 share AUDIT_ARCH_X86_64: x32 calls set bit 30 of nr.
import { AUDIT_ARCH } from "../../ffi/arch.ts";
import type { SeccompArchName } from "../spec/seccomp-names.ts";
import { SYSCALL_TABLES } from "./syscall-tables.ts";

export const X32_SYSCALL_BIT = 0x40000000;

export interface SeccompArch {
  name: SeccompArchName;
  audit: number;
  /** 32-bit ABIs compare only the low word of an argument, as libseccomp does. */
  bits: 32 | 64;
}

export const SECCOMP_ARCH: Record<SeccompArchName, SeccompArch> = {
  SCMP_ARCH_X86_64: { name: "SCMP_ARCH_X86_64", audit: AUDIT_ARCH.x64, bits: 64 },
  SCMP_ARCH_X32: { name: "SCMP_ARCH_X32", audit: AUDIT_ARCH.x64, bits: 64 },
  SCMP_ARCH_X86: { name: "SCMP_ARCH_X86", audit: 0x40000003, bits: 32 },
  SCMP_ARCH_AARCH64: { name: "SCMP_ARCH_AARCH64", audit: AUDIT_ARCH.arm64, bits: 64 },
  SCMP_ARCH_ARM: { name: "SCMP_ARCH_ARM", audit: 0x40000028, bits: 32 },
};

const decoded = new Map<SeccompArchName, Map<string, number>>();

/** The syscall numbers of one architecture by name, decoded from the generated table on first use. */
export const syscallTable = (arch: SeccompArchName): ReadonlyMap<string, number> => {
  let table = decoded.get(arch);
  if (!table) {
    table = new Map();
    for (const run of SYSCALL_TABLES[arch]) {
      const colon = run.indexOf(":");
      let nr = Number(run.slice(0, colon));
      for (const name of run.slice(colon + 1).split(" ")) {
        if (name !== "-") table.set(name, nr);
        nr++;
      }
    }
    decoded.set(arch, table);
  }
  return table;
};
