// Networking: the CNI plugins bridge networking needs, traffic shaping for rate limits, and the cgroup v2 socket
// programs behind the socket policy (on a v1 or hybrid host they need the unified hierarchy mounted).
import { DEFAULT_NETWORK_ENV } from "../../runtime/network/env.ts";
import type { CgroupFacts } from "./cgroups.ts";
import type { KernelConfig } from "./kernel.ts";
import { type CheckItem, item } from "./report.ts";
import type { SystemView } from "./system.ts";

const REQUIRED_PLUGINS = ["bridge", "host-local"];
const OTHER_PLUGINS = ["portmap", "bandwidth"];

export const networkItems = (view: SystemView, cgroups: CgroupFacts, config: KernelConfig | undefined): CheckItem[] => {
  const g = "network";
  const dir = DEFAULT_NETWORK_ENV.cniPath.find((d) => REQUIRED_PLUGINS.every((p) => view.exists(`${d}/${p}`)));
  const lacking = dir ? OTHER_PLUGINS.filter((p) => !view.exists(`${dir}/${p}`)) : [];
  const cni = item(
    {
      id: "network.cni",
      group: g,
      title: "CNI plugins",
      loss: dir
        ? `${lacking.join(" and ")} missing: no published ports or no rate limits`
        : "no bridge or CNI networks (modes none and host still work); install containernetworking-plugins",
    },
    !dir ? "missing" : lacking.length ? "degraded" : "ok",
    dir ? `${[...REQUIRED_PLUGINS, ...OTHER_PLUGINS].filter((p) => !lacking.includes(p)).join(", ")} in ${dir}` : `no bridge and host-local in ${DEFAULT_NETWORK_ENV.cniPath.join(" or ")}`,
  );
  const options = ["CONFIG_NET_SCH_TBF", "CONFIG_IFB"].map((o) => [o, config?.options.get(o)] as const);
  const shapingOff = options.filter(([, v]) => v !== undefined && v !== "y" && v !== "m").map(([o]) => o);
  const shaping = item(
    { id: "network.shaping", group: g, title: "traffic shaping (tbf, ifb)", loss: "per-container rate limits (bunker.net.egress-rate, ingress-rate) cannot be set" },
    !config ? "degraded" : shapingOff.length ? "missing" : "ok",
    !config ? "kernel config not published: CONFIG_NET_SCH_TBF and CONFIG_IFB unverified" : shapingOff.length ? `${shapingOff.join(", ")} not set` : options.map(([o, v]) => `${o}=${v}`).join(", "),
  );
  const probe = cgroups.v2Mount ? view.probes.socketPolicyProgram() : undefined;
  const policy = item(
    { id: "network.socket-policy", group: g, title: "socket policy (cgroup v2 eBPF)", loss: "no per-container connect, bind and socket-type policy (bunker.net.connect, bind, families, socket-types, mark, priority)" },
    probe?.ok ? "ok" : "missing",
    !cgroups.v2Mount
      ? "no cgroup2 (unified hierarchy) mounted: the programs attach to a container's cgroup v2 directory"
      : probe?.ok
        ? `cgroup2 at ${cgroups.v2Mount}; a connect program loaded`
        : `the kernel refused a connect program (${probe?.errno ?? "unknown"}): needs CONFIG_CGROUP_BPF and Linux 5.1 or later`,
  );
  return [cni, shaping, policy];
};
