// Pressure stall information of a cgroup v2 directory (cpu.pressure, memory.pressure, io.pressure), where the kernel
// offers it (CONFIG_PSI, not disabled with psi=0).
import { parsePsi } from "../psi.ts";
import type { CgroupFs } from "../fs.ts";
import type { CgroupStats, PsiStats } from "../stats.ts";

const readPsi = (fs: CgroupFs, path: string): PsiStats | undefined => {
  if (!fs.exists(path)) return undefined;
  let text: string;
  try {
    text = fs.read(path);
  } catch {
    // The file exists but reads EOPNOTSUPP when PSI is disabled at boot.
    return undefined;
  }
  const p = parsePsi(text, path);
  return { some: p.some, full: p.full ?? { avg10: 0, avg60: 0, avg300: 0, total: 0 } };
};

export const psiStats = (dir: string, fs: CgroupFs, out: CgroupStats): void => {
  const cpu = readPsi(fs, `${dir}/cpu.pressure`);
  const memory = readPsi(fs, `${dir}/memory.pressure`);
  const io = readPsi(fs, `${dir}/io.pressure`);
  if (cpu) out.cpu.psi = cpu;
  if (memory) out.memory.psi = memory;
  if (io) out.blkio.psi = io;
};
