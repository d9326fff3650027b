// A classic BPF interpreter for seccomp programs, with the kernel's load-time checks (seccomp_check_filter and
// bpf_check_classic): only the instructions a seccomp filter may use, 32-bit aligned loads inside seccomp_data,
// jumps inside the program, a return at the end. It runs a program on one seccomp_data and gives the verdict.

export interface SeccompData {
  nr: number;
  arch: number;
  ip?: bigint;
  args?: readonly bigint[];
}

const SECCOMP_DATA_SIZE = 64;
const MAX_INSNS = 4096;

interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

export const decodeProgram = (bytes: Uint8Array): Insn[] => {
  if (bytes.length % 8 !== 0) throw new Error(`A program of ${bytes.length} bytes is not whole instructions`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 8 }, (_, i) => ({
    code: view.getUint16(i * 8, true),
    jt: view.getUint8(i * 8 + 2),
    jf: view.getUint8(i * 8 + 3),
    k: view.getUint32(i * 8 + 4, true),
  }));
};

/** Throws what the kernel would refuse the program for. */
export const checkProgram = (prog: Insn[]): void => {
  if (prog.length === 0 || prog.length > MAX_INSNS) throw new Error(`Program length ${prog.length} is outside 1..${MAX_INSNS}`);
  prog.forEach((insn, pc) => {
    switch (insn.code) {
      case 0x20: // ld [k]
        if (insn.k % 4 !== 0 || insn.k >= SECCOMP_DATA_SIZE) throw new Error(`pc ${pc}: load of offset ${insn.k} outside seccomp_data`);
        break;
      case 0x54: // and #k
      case 0x06: // ret #k
        break;
      case 0x05: // ja
        if (pc + 1 + insn.k >= prog.length) throw new Error(`pc ${pc}: ja beyond the program`);
        break;
      case 0x15: // jeq
      case 0x25: // jgt
      case 0x35: // jge
        if (pc + 1 + Math.max(insn.jt, insn.jf) >= prog.length) throw new Error(`pc ${pc}: jump beyond the program`);
        break;
      default:
        throw new Error(`pc ${pc}: opcode 0x${insn.code.toString(16)} is not one bunker emits`);
    }
  });
  if (prog[prog.length - 1]!.code !== 0x06) throw new Error("The program does not end with a return");
};

const dataBytes = (d: SeccompData): DataView => {
  const view = new DataView(new ArrayBuffer(SECCOMP_DATA_SIZE));
  view.setInt32(0, d.nr | 0, true);
  view.setUint32(4, d.arch >>> 0, true);
  view.setBigUint64(8, d.ip ?? 0n, true);
  (d.args ?? []).forEach((a, i) => view.setBigUint64(16 + 8 * i, BigInt.asUintN(64, a), true));
  return view;
};

/** The filter's return value for one syscall, and how many instructions it took. */
export const run = (bytes: Uint8Array, d: SeccompData): { verdict: number; steps: number } => {
  const prog = decodeProgram(bytes);
  checkProgram(prog);
  const data = dataBytes(d);
  let a = 0;
  for (let pc = 0, steps = 1; pc < prog.length; steps++) {
    const { code, jt, jf, k } = prog[pc]!;
    switch (code) {
      case 0x20:
        a = data.getUint32(k, true);
        pc++;
        break;
      case 0x54:
        a = (a & k) >>> 0;
        pc++;
        break;
      case 0x06:
        return { verdict: k >>> 0, steps };
      case 0x05:
        pc += 1 + k;
        break;
      case 0x15:
        pc += 1 + (a === k ? jt : jf);
        break;
      case 0x25:
        pc += 1 + (a > k ? jt : jf);
        break;
      case 0x35:
        pc += 1 + (a >= k ? jt : jf);
        break;
    }
  }
  throw new Error("Ran off the end of the program");
};

export const verdict = (bytes: Uint8Array, d: SeccompData): number => run(bytes, d).verdict;
