// The CPU and memory of the board: architecture, ARMv8.1 atomics (LSE), core count and RAM.
import { type CheckItem, item } from "./report.ts";
import { lines, type SystemView } from "./system.ts";

const UNAME_ARCH: Record<string, string> = { x64: "x86_64", arm64: "aarch64" };

/** The machine as the kernel names it; /proc/sys/kernel/arch exists since Linux 6.1, else this process's arch. */
export const machineArch = (view: SystemView): string =>
  view.read("/proc/sys/kernel/arch")?.trim() || (UNAME_ARCH[process.arch] ?? process.arch);

export const cpuItems = (view: SystemView, arch: string): CheckItem[] => {
  const g = "cpu";
  const info = lines(view.read("/proc/cpuinfo"));
  const cores = info.filter((l) => /^processor\s*:/.test(l)).length;
  const features = (info.find((l) => /^(Features|flags)\s*:/.test(l)) ?? "").replace(/^[^:]*:\s*/, "").split(/\s+/).filter(Boolean);
  const parts = [...new Set(info.filter((l) => /^CPU part\s*:/.test(l)).map((l) => l.replace(/^[^:]*:\s*/, "")))];
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(view.read("/proc/meminfo") ?? "")?.[1] ?? 0);
  const supported = arch === "aarch64" || arch === "x86_64";
  const out = [
    item(
      { id: "cpu.arch", group: g, title: "CPU architecture", required: true, loss: "bunker ships executables for aarch64 and x86_64 only" },
      supported ? "ok" : "missing",
      `${arch}, ${cores || "?"} cores${parts.length ? `, CPU part ${parts.join(" ")}` : ""}`,
    ),
  ];
  if (arch === "aarch64") {
    const lse = features.includes("atomics");
    out.push(
      item(
        {
          id: "cpu.lse-atomics",
          group: g,
          title: "ARMv8.1 LSE atomics",
          loss: "an ARMv8.0 core (Cortex-A53/A72): runtimes built assuming LSE die with SIGILL; use a Bun build verified on ARMv8.0 (1.4.5 is)",
        },
        lse ? "ok" : "degraded",
        lse ? "atomics in Features" : `no 'atomics' in Features (${features.join(" ") || "none listed"})`,
      ),
    );
  }
  out.push(
    item(
      { id: "memory.total", group: "memory", title: "RAM", loss: "under 256 MiB, a Bun-based runtime (25 MB mapped per process) leaves little for containers" },
      memKb >= 200 * 1024 ? "ok" : "degraded",
      memKb ? `${Math.round(memKb / 1024)} MiB` : "unknown",
    ),
  );
  return out;
};
