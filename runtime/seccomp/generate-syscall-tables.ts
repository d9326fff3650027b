// Writes syscall-tables.ts: the syscall numbers of every architecture a seccomp filter can cover here, read from the
// kernel's uapi headers through the C preprocessor (asm-generic/unistd.h, which aarch64 uses, is only readable that way).
// Run it after a kernel header update: `bun runtime/seccomp/generate-syscall-tables.ts`. The headers come from Debian:
// linux-libc-dev (x86_64, x86, x32), linux-libc-dev-arm64-cross (aarch64), linux-libc-dev-armhf-cross (arm).
import { writeFileSync } from "node:fs";
import { join } from "node:path";

interface Source {
  arch: string;
  package: string;
  include: string[];
  defines: string[];
}

const SOURCES: Source[] = [
  { arch: "SCMP_ARCH_X86_64", package: "linux-libc-dev", include: ["/usr/include/x86_64-linux-gnu", "/usr/include"], defines: [] },
  { arch: "SCMP_ARCH_X86", package: "linux-libc-dev", include: ["/usr/include/x86_64-linux-gnu", "/usr/include"], defines: ["__i386__"] },
  { arch: "SCMP_ARCH_X32", package: "linux-libc-dev", include: ["/usr/include/x86_64-linux-gnu", "/usr/include"], defines: ["__ILP32__"] },
  { arch: "SCMP_ARCH_AARCH64", package: "linux-libc-dev-arm64-cross", include: ["/usr/aarch64-linux-gnu/include"], defines: [] },
  { arch: "SCMP_ARCH_ARM", package: "linux-libc-dev-armhf-cross", include: ["/usr/arm-linux-gnueabihf/include"], defines: ["__ARM_EABI__"] },
];

/** Macros named like syscalls that are not syscalls. */
const NOT_SYSCALLS = new Set(["syscalls", "arch_specific_syscall"]);

const run = (cmd: string[], input?: string): string => {
  const p = Bun.spawnSync(cmd, { stdin: input === undefined ? "ignore" : Buffer.from(input), stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${p.stderr.toString().trim()}`);
  return p.stdout.toString();
};

const packageVersion = (pkg: string): string => run(["dpkg-query", "-W", "-f=${Version}", pkg]).trim();

/** The value of an integer macro: numbers, other macros, parentheses and `+` are all these headers use. */
const evaluate = (expr: string, macros: Map<string, string>, depth = 0): number => {
  if (depth > 16) throw new Error(`Macro expansion too deep: '${expr}'`);
  let total = 0;
  for (const term of expr.replace(/[()]/g, " ").split("+").map((t) => t.trim())) {
    if (/^(0x[0-9a-f]+|\d+)$/i.test(term)) total += Number(term);
    else if (macros.has(term)) total += evaluate(macros.get(term)!, macros, depth + 1);
    else throw new Error(`Cannot evaluate '${term}' in '${expr}'`);
  }
  return total;
};

const syscallsOf = (s: Source): Map<string, number> => {
  const args = ["cpp", "-dM", "-undef", "-nostdinc", ...s.include.map((i) => `-I${i}`), ...s.defines.map((d) => `-D${d}`), "-"];
  const macros = new Map<string, string>();
  for (const line of run(args, "#include <asm/unistd.h>\n").split("\n")) {
    const m = line.match(/^#define (\w+) (.+)$/);
    if (m) macros.set(m[1]!, m[2]!.trim());
  }
  const out = new Map<string, number>();
  for (const name of macros.keys()) {
    // __ARM_NR_* are arm's private calls (breakpoint, cacheflush, set_tls, ...), named without the prefix by libseccomp.
    const m = name.match(/^__(?:ARM_)?NR_([a-z_][a-z0-9_]*)$/);
    if (m && !NOT_SYSCALLS.has(m[1]!)) out.set(m[1]!, evaluate(macros.get(name)!, macros));
  }
  if (out.size < 250) throw new Error(`Only ${out.size} syscalls found for ${s.arch}: are the headers of ${s.package} installed?`);
  return out;
};

/**
 * One table as runs of consecutive numbers: "base:name name - name" where `-` is a number without a syscall; a second
 * name for a number already taken (arm's sync_file_range2) goes into its own run.
 */
const encode = (table: Map<string, number>): string[] => {
  const byNumber = new Map<number, string>();
  const extra: [string, number][] = [];
  for (const [name, nr] of [...table].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))) {
    if (byNumber.has(nr)) extra.push([name, nr]);
    else byNumber.set(nr, name);
  }
  const numbers = [...byNumber.keys()].sort((a, b) => a - b);
  const runs: string[] = [];
  let start = numbers[0]!;
  let names: string[] = [];
  let last = start - 1;
  const flush = (): void => void runs.push(`${start}:${names.join(" ")}`);
  for (const nr of numbers) {
    // Short gaps stay inside the run as "-"; a long one (x32's bit, arm's private calls) starts a new run.
    if (nr - last > 64) {
      flush();
      start = nr;
      names = [];
    } else for (let gap = last + 1; gap < nr; gap++) names.push("-");
    names.push(byNumber.get(nr)!);
    last = nr;
  }
  flush();
  for (const [name, nr] of extra) runs.push(`${nr}:${name}`);
  return runs;
};

/** A long string as concatenated literals of at most ~110 characters, broken between names. */
const literal = (s: string): string => {
  const parts: string[] = [];
  let line = "";
  for (const word of s.split(" ")) {
    if (line.length + word.length > 108) {
      parts.push(line);
      line = "";
    }
    line += `${word} `;
  }
  parts.push(line.trimEnd());
  return parts.map((p) => JSON.stringify(p)).join(" +\n      ");
};

const main = (): void => {
  const versions = [...new Set(SOURCES.map((s) => s.package))].map((p) => `${p} ${packageVersion(p)}`).join(", ");
  const lines = [
    "// Generated by runtime/seccomp/generate-syscall-tables.ts: do not edit.",
    `// From the kernel uapi headers of ${versions}.`,
    "// Each table is a list of runs \"BASE:NAME NAME ...\" numbered up from BASE; \"-\" is a number without a syscall.",
    "",
    "export const SYSCALL_TABLES = {",
  ];
  for (const s of SOURCES) {
    const table = syscallsOf(s);
    lines.push(`  ${s.arch}: [`);
    for (const r of encode(table)) lines.push(`    ${literal(r)},`);
    lines.push("  ],");
    console.log(`${s.arch.padEnd(18)} ${table.size} syscalls`);
  }
  lines.push("} as const;", "");
  writeFileSync(join(import.meta.dir, "syscall-tables.ts"), lines.join("\n"));
};

if (import.meta.main) main();
