// linux.netDevices: host interfaces moved into the container's network namespace, keyed by their host name.
import { escapePointer, type Problem } from "./problem.ts";

/** IFNAMSIZ - 1: the kernel's names are 15 bytes at most. */
const MAX_NAME_BYTES = 15;

/** The kernel's dev_valid_name(): what it would otherwise answer with EINVAL. */
const nameProblem = (name: string): string | undefined => {
  if (name === "" || name === "." || name === "..") return `Not an interface name: '${name}'`;
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `Interface name longer than ${MAX_NAME_BYTES} bytes: '${name}'`;
  if (/[/:\s]/.test(name)) return `Interface name with '/', ':' or white space: '${name}'`;
  return undefined;
};

/** Each device with its name inside the container (the host name when none is given). */
export const netDeviceMoves = (devices: Readonly<Record<string, { name?: string }>>): { host: string; container: string }[] =>
  Object.entries(devices).map(([host, d]) => ({ host, container: d.name || host }));

export const netDeviceProblems = (devices: Readonly<Record<string, { name?: string }>>, hasNetworkNamespace: boolean): Problem[] => {
  const out: Problem[] = [];
  if (!hasNetworkNamespace && Object.keys(devices).length)
    out.push({ pointer: "/linux/netDevices", detail: "Needs a 'network' namespace in /linux/namespaces" });
  const seen = new Set<string>();
  for (const { host, container } of netDeviceMoves(devices)) {
    const at = `/linux/netDevices/${escapePointer(host)}`;
    const badHost = nameProblem(host);
    const badContainer = nameProblem(container);
    if (badHost) out.push({ pointer: at, detail: badHost });
    else if (badContainer) out.push({ pointer: `${at}/name`, detail: badContainer });
    else if (seen.has(container)) out.push({ pointer: `${at}/name`, detail: `Two devices would be named '${container}' in the container` });
    seen.add(container);
  }
  return out;
};
