// Process checkpoints: whether CRIU can checkpoint and restore here (`criu check`), and whether it can dump
// incrementally (soft-dirty page tracking, which arm64 kernels do not have). Each failure is named with its cause as
// far as CRIU's errors show it.
import { type CheckItem, item } from "./report.ts";
import type { SystemView } from "./system.ts";

/** What CRIU's first errors say, in the board owner's terms (the known causes first). */
export const criuFailureCause = (output: string, kernel: string): string => {
  const errors = output.split("\n").filter((l) => /^Error \(/.test(l.trim()));
  const first = (errors[0] ?? output.split("\n").find((l) => l.trim()) ?? "no output").trim();
  const known: [RegExp, string][] = [
    [/vdso/i, `the installed CRIU cannot read the vDSO of kernel ${kernel} (Debian's CRIU 3.17 fails so on kernel 6.18; CRIU 4.1 reads it)`],
    [/Network is unreachable|tcp_repair/i, "the loopback interface is down (ip link set lo up)"],
    [/diag|Can't collect/i, "socket diag modules are not loaded (unix_diag, inet_diag, tcp_diag, udp_diag, netlink_diag, af_packet_diag)"],
    [/iptables|xtables|nf_tables|nftables|netfilter/i, "netfilter modules or tools are missing (ip_tables, ip6_tables, iptable_filter, xt_mark, nf_tables; iptables-restore)"],
    [/\btun\b/i, "the tun module is not loaded"],
  ];
  const cause = known.find(([re]) => re.test(errors.join("\n") || output))?.[1];
  return cause ? `${cause}: ${first}` : first;
};

export const checkpointItems = (view: SystemView, kernel: string, arch: string): CheckItem[] => {
  const g = "checkpoint";
  const process = { id: "checkpoint.process", group: g, title: "process checkpoint (CRIU)", loss: "`checkpoint --process` cannot save running processes: a restore starts the program afresh" };
  const incremental = {
    id: "checkpoint.incremental",
    group: g,
    title: "incremental process dumps",
    loss: "no pre-dump and no incremental dumps: every process checkpoint writes all of the processes' memory",
  };
  const check = view.probes.criu([]);
  if (!check) {
    const absent = "criu is not installed (Debian: apt-get install criu)";
    return [item(process, "missing", absent), item(incremental, "missing", absent)];
  }
  const verdict = check.output.split("\n").find((l) => /Looks good/.test(l))?.trim() ?? "";
  const processItem = !check.ok
    ? item(process, "missing", `criu check failed: ${criuFailureCause(check.output, kernel)}`)
    : /Looks good but/.test(check.output)
      ? item(process, "degraded", `criu check: ${verdict}`)
      : item(process, "ok", `criu ${check.version}: ${verdict || "Looks good."}`);
  if (!check.ok) return [processItem, item(incremental, "missing", "criu check failed (above)")];
  const dirty = view.probes.criu(["--feature", "mem_dirty_track"])!;
  const noSoftDirty = arch === "aarch64" ? "no soft-dirty page tracking: arm64 kernels have none (CONFIG_MEM_SOFT_DIRTY is x86, powerpc and s390 only)" : "no soft-dirty page tracking in this kernel";
  return [processItem, dirty.ok ? item(incremental, "ok", "soft-dirty page tracking works (mem_dirty_track)") : item(incremental, "missing", noSoftDirty)];
};
