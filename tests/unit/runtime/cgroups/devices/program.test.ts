import { describe, expect, test } from "bun:test";
import { encodeInsns, OP, type Insn } from "../../../../../runtime/bpf/asm.ts";
import { runProgram } from "../../bpf/interpreter.ts";
import { ACC, DEV_TYPE, deviceFilterInsns } from "../../../../../runtime/cgroups/devices/program.ts";
import { containerDeviceRules, DEFAULT_DEVICE_RULES, fromSpec } from "../../../../../runtime/cgroups/devices/rules.ts";

/** Runs the program on one device access, as the kernel's interpreter would. */
const run = (insns: Insn[], type: "b" | "c", access: string, major: number, minor: number): number => {
  const ctx = Buffer.alloc(12);
  ctx.writeUInt32LE((([...access].reduce((a, c) => a | ACC[c as keyof typeof ACC], 0) << 16) | DEV_TYPE[type]) >>> 0, 0);
  ctx.writeUInt32LE(major, 4);
  ctx.writeUInt32LE(minor, 8);
  return runProgram(insns, ctx).r0;
};

describe("deviceFilterInsns", () => {
  const insns = deviceFilterInsns(containerDeviceRules(undefined));

  test("starts by loading type, access, major and minor from the context", () => {
    expect(insns.slice(0, 6)).toEqual([
      { op: OP.LDX_MEM_W, dst: 2, src: 1, off: 0, imm: 0 },
      { op: OP.AND32_K, dst: 2, src: 0, off: 0, imm: 0xffff },
      { op: OP.LDX_MEM_W, dst: 3, src: 1, off: 0, imm: 0 },
      { op: OP.RSH32_K, dst: 3, src: 0, off: 0, imm: 16 },
      { op: OP.LDX_MEM_W, dst: 4, src: 1, off: 4, imm: 0 },
      { op: OP.LDX_MEM_W, dst: 5, src: 1, off: 8, imm: 0 },
    ]);
  });

  test("ends with the default verdict, deny, and every jump lands inside the program", () => {
    expect(insns.slice(-2)).toEqual([
      { op: OP.MOV32_K, dst: 0, src: 0, off: 0, imm: 0 },
      { op: OP.EXIT, dst: 0, src: 0, off: 0, imm: 0 },
    ]);
    insns.forEach((i, pc) => {
      if (i.op === OP.JNE_K || i.op === OP.JNE_X) expect(pc + 1 + i.off).toBeLessThan(insns.length);
    });
  });

  test("with the default rules, denies reading /dev/sda and allows /dev/null, /dev/pts/3 and mknod of a block device", () => {
    expect(run(insns, "b", "r", 8, 0)).toBe(0);
    expect(run(insns, "b", "rw", 8, 0)).toBe(0);
    expect(run(insns, "c", "rw", 1, 3)).toBe(1);
    expect(run(insns, "c", "rw", 136, 3)).toBe(1);
    expect(run(insns, "b", "m", 8, 0)).toBe(1);
    expect(run(insns, "c", "r", 10, 200)).toBe(0);
  });

  test("an allowed access is a subset check: 'r' allows reading only", () => {
    const p = deviceFilterInsns(containerDeviceRules([{ allow: true, type: "b", major: 7, minor: 0, access: "r" }]));
    expect(run(p, "b", "r", 7, 0)).toBe(1);
    expect(run(p, "b", "w", 7, 0)).toBe(0);
    expect(run(p, "b", "rw", 7, 0)).toBe(0);
    expect(run(p, "b", "r", 7, 1)).toBe(0);
  });

  test("an allow-all config denies only what it lists afterwards", () => {
    const p = deviceFilterInsns([{ allow: true, type: "a", major: -1, minor: -1, access: "rwm" }, { allow: false, type: "c", major: 1, minor: 9, access: "w" }]);
    expect(run(p, "b", "rw", 8, 0)).toBe(1);
    expect(run(p, "c", "w", 1, 9)).toBe(0);
    expect(run(p, "c", "r", 1, 9)).toBe(1);
  });

  test("allows exactly what some allow rule covers when the config only adds allow rules", () => {
    const spec = [
      { allow: true, type: "c" as const, major: 10, access: "rw" },
      { allow: true, type: "b" as const, major: 7, minor: 2, access: "rwm" },
    ];
    const allows = [...spec.map(fromSpec), ...DEFAULT_DEVICE_RULES];
    const p = deviceFilterInsns(containerDeviceRules(spec));
    const covered = (type: "b" | "c", access: string, major: number, minor: number): number =>
      allows.some((r) => r.type === type && (r.major < 0 || r.major === major) && (r.minor < 0 || r.minor === minor) && [...access].every((c) => r.access.includes(c))) ? 1 : 0;
    for (const type of ["b", "c"] as const)
      for (const access of ["r", "w", "m", "rw", "rm", "rwm"])
        for (const [major, minor] of [[1, 3], [1, 9], [5, 2], [7, 2], [7, 3], [8, 0], [10, 200], [136, 0], [4, 1]] as const)
          expect([type, access, major, minor, run(p, type, access, major, minor)]).toEqual([type, access, major, minor, covered(type, access, major, minor)]);
  });
});

describe("encodeInsns", () => {
  test("lays each instruction out as 8 little-endian bytes with dst in the low nibble", () => {
    const bytes = encodeInsns([{ op: OP.JNE_X, dst: 1, src: 3, off: -2, imm: 0x01020304 }]);
    expect([...bytes]).toEqual([0x5d, 0x31, 0xfe, 0xff, 0x04, 0x03, 0x02, 0x01]);
  });
});
