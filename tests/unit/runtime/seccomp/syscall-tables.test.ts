import { describe, expect, test } from "bun:test";
import { SECCOMP_ARCH, syscallTable, X32_SYSCALL_BIT } from "../../../../runtime/seccomp/arches.ts";
import { SYSCALL_TABLES } from "../../../../runtime/seccomp/syscall-tables.ts";
import { SECCOMP_ARCHES } from "../../../../runtime/spec/seccomp-names.ts";
import { syscallNumber } from "../../../../ffi/arch.ts";

describe("syscall tables (generated from the kernel headers)", () => {
  test("cover exactly the architectures the spec vocabulary says bunker filters", () => {
    expect(Object.keys(SYSCALL_TABLES).sort()).toEqual([...SECCOMP_ARCHES].sort());
    expect(Object.keys(SECCOMP_ARCH).sort()).toEqual([...SECCOMP_ARCHES].sort());
  });

  test("number each architecture's calls as its own ABI does", () => {
    const t = (arch: keyof typeof SYSCALL_TABLES, name: string) => syscallTable(arch).get(name);
    expect([t("SCMP_ARCH_X86_64", "read"), t("SCMP_ARCH_X86_64", "execve"), t("SCMP_ARCH_X86_64", "seccomp")]).toEqual([0, 59, 317]);
    expect([t("SCMP_ARCH_X86", "read"), t("SCMP_ARCH_X86", "socketcall"), t("SCMP_ARCH_X86", "mmap2")]).toEqual([3, 102, 192]);
    // Names with a leading underscore are syscalls too.
    expect([t("SCMP_ARCH_X86", "_llseek"), t("SCMP_ARCH_X86", "_newselect"), t("SCMP_ARCH_ARM", "_llseek")]).toEqual([140, 142, 140]);
    expect([t("SCMP_ARCH_X32", "read"), t("SCMP_ARCH_X32", "execve")]).toEqual([X32_SYSCALL_BIT + 0, X32_SYSCALL_BIT + 520]);
    // aarch64 has the generic table: no open, no fork.
    expect([t("SCMP_ARCH_AARCH64", "openat"), t("SCMP_ARCH_AARCH64", "open"), t("SCMP_ARCH_AARCH64", "fork")]).toEqual([56, undefined, undefined]);
    expect([t("SCMP_ARCH_ARM", "read"), t("SCMP_ARCH_ARM", "set_tls"), t("SCMP_ARCH_ARM", "sync_file_range2")]).toEqual([3, 0x0f0005, 341]);
  });

  test("agree with the raw numbers ffi/ uses", () => {
    const native = process.arch === "x64" ? "SCMP_ARCH_X86_64" : "SCMP_ARCH_AARCH64";
    for (const name of ["pivot_root", "pidfd_open", "close_range", "bpf", "seccomp", "gettid", "mount_setattr"] as const)
      expect([name, syscallTable(native).get(name)]).toEqual([name, syscallNumber(name)]);
  });
});
