import { readFileSync } from "node:fs";
import type { LinuxResources } from "../../spec/resources.ts";
import { parseJson } from "../../spec/json-text.ts";
import { updateNetworkAnnotations, updateResources } from "../../container/update.ts";
import { NETWORK_ANNOTATIONS } from "../../network/request.ts";
import { POLICY_ANNOTATIONS } from "../../network/sock-policy.ts";
import { parseSize } from "../../units.ts";
import { UsageError, type Command, type ParsedArgs } from "../command.ts";
import { flagInt, flagString } from "../parse.ts";

/** runc's memory sizes: "-1", or a number with an optional binary unit ("64m", "1.5G", "512KiB"). */
export const parseBytes = (flag: string, text: string): number => {
  if (text === "-1") return -1;
  try {
    return parseSize(text);
  } catch {
    throw new UsageError(`Flag --${flag} takes a size such as '64m' or -1, not '${text}'`);
  }
};

/** The resources the flags name, on top of --resources when given (runc's precedence). */
const fromFlags = (a: ParsedArgs, base: Record<string, Record<string, unknown>>): unknown => {
  const r = { ...base };
  const put = (part: string, field: string, value: unknown): void => {
    if (value !== undefined) r[part] = { ...r[part], [field]: value };
  };
  const bytes = (flag: string): number | undefined => {
    const v = flagString(a, flag);
    return v === undefined ? undefined : parseBytes(flag, v);
  };
  put("memory", "limit", bytes("memory"));
  put("memory", "reservation", bytes("memory-reservation"));
  put("memory", "swap", bytes("memory-swap"));
  put("memory", "kernel", bytes("kernel-memory"));
  put("memory", "kernelTCP", bytes("kernel-memory-tcp"));
  put("cpu", "shares", flagInt(a, "cpu-share"));
  put("cpu", "quota", flagInt(a, "cpu-quota"));
  put("cpu", "period", flagInt(a, "cpu-period"));
  put("cpu", "burst", flagInt(a, "cpu-burst"));
  put("cpu", "realtimePeriod", flagInt(a, "cpu-rt-period"));
  put("cpu", "realtimeRuntime", flagInt(a, "cpu-rt-runtime"));
  put("cpu", "cpus", flagString(a, "cpuset-cpus"));
  put("cpu", "mems", flagString(a, "cpuset-mems"));
  put("pids", "limit", flagInt(a, "pids-limit"));
  put("blockIO", "weight", flagInt(a, "blkio-weight"));
  return r;
};

const readResources = (path: string): Record<string, Record<string, unknown>> => {
  const name = path === "-" ? "resources on stdin" : path;
  const text = path === "-" ? readFileSync(0, "utf8") : readFileSync(path, "utf8");
  const v = parseJson(text, name);
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new UsageError(`Reading ${name}: expected a JSON object of linux.resources`);
  return v as Record<string, Record<string, unknown>>;
};

/** Flags that change network annotations live, by flag name. */
const NETWORK_FLAGS: Record<string, string> = {
  "egress-rate": NETWORK_ANNOTATIONS.egressRate,
  "egress-burst": NETWORK_ANNOTATIONS.egressBurst,
  "ingress-rate": NETWORK_ANNOTATIONS.ingressRate,
  "ingress-burst": NETWORK_ANNOTATIONS.ingressBurst,
  "net-connect": POLICY_ANNOTATIONS.connect,
  "net-bind": POLICY_ANNOTATIONS.bind,
  "net-families": POLICY_ANNOTATIONS.families,
  "net-socket-types": POLICY_ANNOTATIONS.types,
  "net-mark": POLICY_ANNOTATIONS.mark,
  "net-priority": POLICY_ANNOTATIONS.priority,
};

const networkChange = (a: ParsedArgs): Record<string, string> =>
  Object.fromEntries(Object.entries(NETWORK_FLAGS).flatMap(([flag, key]) => {
    const v = flagString(a, flag);
    return v === undefined ? [] : [[key, v]];
  }));

const int = (name: string, help: string) => ({ name, kind: "int" as const, value: "N", help });
const size = (name: string, help: string) => ({ name, kind: "string" as const, value: "SIZE", help });

export const command: Command = {
  name: "update",
  summary: "change the resource limits of a container while it runs",
  args: "<container-id>",
  arity: [1, 1],
  description:
    "Values from --resources (linux.resources JSON, '-' for stdin) are merged into the container's current resources; " +
    "the flags override them. Sizes take k, m, g units (binary), -1 means unlimited. The network flags change the\n" +
    "container's bunker.net.* annotations and apply them at once: rates through the CNI bandwidth plugin (bits per\n" +
    "second: 10mbit, 500k), bursts in bytes (64k); the socket policy's programs are replaced atomically.",
  flags: [
    { name: "resources", short: "r", kind: "string", value: "FILE|-", help: "linux.resources JSON to apply" },
    size("memory", "memory limit"),
    size("memory-reservation", "memory soft limit (v2: memory.low)"),
    size("memory-swap", "memory plus swap limit (-1: unlimited)"),
    size("kernel-memory", "kernel memory limit (ignored by kernels since 5.16)"),
    size("kernel-memory-tcp", "kernel TCP buffer limit (v1)"),
    int("cpu-share", "CPU shares (v2: converted to cpu.weight)"),
    int("cpu-quota", "CPU time in microseconds per period (-1: no limit)"),
    int("cpu-period", "CPU CFS period in microseconds"),
    int("cpu-burst", "CPU burst in microseconds"),
    int("cpu-rt-period", "realtime period in microseconds (v1)"),
    int("cpu-rt-runtime", "realtime runtime in microseconds (v1)"),
    { name: "cpuset-cpus", kind: "string", value: "LIST", help: "CPUs allowed, e.g. 0-2,4" },
    { name: "cpuset-mems", kind: "string", value: "LIST", help: "memory nodes allowed" },
    int("pids-limit", "maximum number of tasks (0 or -1: no limit)"),
    int("blkio-weight", "block I/O weight, 10 to 1000"),
    ...Object.entries(NETWORK_FLAGS).map(([name, key]) => ({ name, kind: "string" as const, value: "VALUE", help: `sets ${key}` })),
  ],
  run(g, a) {
    const file = flagString(a, "resources");
    const change = fromFlags(a, file ? readResources(file) : {});
    const network = networkChange(a);
    const resources = Object.keys(change as LinuxResources).length > 0;
    if (!resources && !Object.keys(network).length) throw new UsageError("Nothing to update: give --resources, a limit flag or a network flag");
    if (resources) updateResources(g.root, a.positional[0]!, change, file === "-" ? "resources on stdin" : file ? `'${file}'` : "update flags", g.journal);
    if (Object.keys(network).length) updateNetworkAnnotations(g.root, a.positional[0]!, network);
    return 0;
  },
};
