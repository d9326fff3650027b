// Mutants of a real config.json: structural changes on the parsed document (a value of another type, a number at a
// type's edge, a hostile string, a key removed or added, a known field the config did not use, an array grown) and
// textual ones on its JSON (truncated, a key duplicated, bytes that are not JSON, nesting far too deep).
import type { Rng } from "./rng.ts";
import { EDGE_NUMBER_TEXTS, EDGE_NUMBERS, otherType, randomNumber, randomString, randomValue } from "./values.ts";

type Path = (string | number)[];
type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Every path in the document, the root included. */
const paths = (v: Json, at: Path = [], out: Path[] = []): Path[] => {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
};

const get = (v: Json, p: Path): Json => p.reduce<Json>((o, k) => (o as Record<string | number, Json>)?.[k], v);

const set = (root: Json, p: Path, value: Json): Json => {
  if (p.length === 0) return value;
  const parent = get(root, p.slice(0, -1)) as Record<string | number, Json>;
  parent[p[p.length - 1]!] = value;
  return root;
};

const ensure = (root: Record<string, Json>, p: string[]): Record<string, Json> => {
  let o = root;
  for (const k of p) {
    if (!isObject(o[k])) o[k] = {};
    o = o[k] as Record<string, Json>;
  }
  return o;
};

/** Known fields a real config may leave out, with values around their rules (valid and not). */
const KNOWN: readonly { at: string[]; key: string; value: (rng: Rng) => Json }[] = [
  { at: ["process"], key: "scheduler", value: (r) => ({ policy: r.pick(["SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE", "X"]), ...(r.chance(0.5) ? { nice: r.pick([-21, -20, 0, 19, 20]) } : {}), ...(r.chance(0.5) ? { priority: r.pick([0, 1, 99, 100, -1]) } : {}), ...(r.chance(0.3) ? { flags: [r.pick(["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM", "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_X"])] } : {}), ...(r.chance(0.3) ? { runtime: r.pick(EDGE_NUMBERS), deadline: r.pick(EDGE_NUMBERS), period: r.pick(EDGE_NUMBERS) } : {}) }) },
  { at: ["process"], key: "ioPriority", value: (r) => ({ class: r.pick(["IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", "IOPRIO_CLASS_NONE"]), priority: r.pick([0, 4, 7, 8, -1]) }) },
  { at: ["process"], key: "execCPUAffinity", value: (r) => ({ [r.pick(["initial", "final"])]: r.pick(["0", "1", "0-1", "1-0", "0,1", "8191", "8192", "", " ", "0--1", "a"]) }) },
  { at: ["process"], key: "oomScoreAdj", value: (r) => r.pick([-1001, -1000, 0, 1000, 1001]) },
  { at: ["process"], key: "apparmorProfile", value: (r) => r.pick(["", "unconfined", "docker-default", "x\0y"]) },
  { at: ["process"], key: "selinuxLabel", value: (r) => r.pick(["", "system_u:system_r:container_t:s0"]) },
  { at: ["process"], key: "consoleSize", value: (r) => ({ height: r.pick(EDGE_NUMBERS), width: r.pick(EDGE_NUMBERS) }) },
  { at: ["process"], key: "rlimits", value: (r) => [{ type: r.pick(["RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_CORE", "RLIMIT_X"]), soft: r.pick(EDGE_NUMBERS), hard: r.pick(EDGE_NUMBERS) }] },
  { at: ["process", "user"], key: "additionalGids", value: (r) => [r.pick(EDGE_NUMBERS)] },
  { at: ["process", "user"], key: "umask", value: (r) => r.pick([0, 0o22, 0o777, 0o1000, -1]) },
  { at: ["process", "capabilities"], key: "ambient", value: (r) => [r.pick(["CAP_KILL", "CAP_SYS_ADMIN", "CAP_NET_BIND_SERVICE", "CAP_X"])] },
  { at: ["process", "capabilities"], key: "inheritable", value: (r) => [r.pick(["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHECKPOINT_RESTORE"])] },
  { at: ["linux"], key: "personality", value: (r) => ({ domain: r.pick(["LINUX", "LINUX32", "X"]), ...(r.chance(0.5) ? { flags: [r.pick(["ADDR_NO_RANDOMIZE", "UNAME26", "X"])] } : {}) }) },
  { at: ["linux"], key: "timeOffsets", value: (r) => ({ [r.pick(["monotonic", "boottime", "realtime"])]: { secs: r.pick(EDGE_NUMBERS), nanosecs: r.pick(EDGE_NUMBERS) } }) },
  { at: ["linux"], key: "devices", value: (r) => [{ type: r.pick(["c", "b", "u", "p", "x"]), path: r.pick(["/dev/fuse", "/dev/../x", "/dev/a/b", "/x", "dev/x", "/dev/null"]), major: r.pick(EDGE_NUMBERS), minor: r.pick(EDGE_NUMBERS), ...(r.chance(0.5) ? { fileMode: r.pick(EDGE_NUMBERS), uid: r.pick(EDGE_NUMBERS), gid: r.pick(EDGE_NUMBERS) } : {}) }] },
  { at: ["linux"], key: "sysctl", value: (r) => ({ [r.pick(["net.ipv4.ip_forward", "kernel.shmmax", "kernel.hostname", "kernel.domainname", "vm.swappiness", "fs.mqueue.msg_max", "net/ipv4/ip_forward", "net.ipv4.conf.eth0/1.rp_filter"])]: randomString(r) }) },
  { at: ["linux"], key: "uidMappings", value: (r) => [{ containerID: r.pick(EDGE_NUMBERS), hostID: r.pick(EDGE_NUMBERS), size: r.pick(EDGE_NUMBERS) }] },
  { at: ["linux"], key: "netDevices", value: (r) => ({ [r.pick(["eth0", "lo", "bkfz0", "", "a/b", "x".repeat(16)])]: r.chance(0.5) ? {} : { name: r.pick(["eth1", "lo", "", "x".repeat(16)]) } }) },
  { at: ["linux"], key: "rootfsPropagation", value: (r) => r.pick(["private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable", "none"]) },
  { at: ["linux"], key: "maskedPaths", value: (r) => [r.pick(["/proc/kcore", "/x/../../etc", "relative", "/proc/self", "/"])] },
  { at: ["linux"], key: "readonlyPaths", value: (r) => [r.pick(["/proc/sys", "/x/../..", "relative", "/"])] },
  { at: ["linux"], key: "mountLabel", value: (r) => r.pick(["", "system_u:object_r:container_file_t:s0"]) },
  { at: ["linux"], key: "intelRdt", value: () => ({ closID: "x" }) },
  { at: ["linux"], key: "cgroupsPath", value: (r) => r.pick(["/a", "a/b", "/a/../b", "", "/", "x".repeat(300)]) },
  { at: ["linux", "resources"], key: "memory", value: (r) => ({ limit: r.pick(EDGE_NUMBERS), ...(r.chance(0.5) ? { swap: r.pick(EDGE_NUMBERS), swappiness: r.pick(EDGE_NUMBERS) } : {}), ...(r.chance(0.2) ? { useHierarchy: r.chance(0.5) } : {}) }) },
  { at: ["linux", "resources"], key: "pids", value: (r) => ({ limit: r.pick(EDGE_NUMBERS) }) },
  { at: ["linux", "resources"], key: "cpu", value: (r) => ({ shares: r.pick(EDGE_NUMBERS), quota: r.pick(EDGE_NUMBERS), period: r.pick(EDGE_NUMBERS), cpus: r.pick(["0", "0-1", "9999", "x"]) }) },
  { at: ["linux", "resources"], key: "devices", value: (r) => [{ allow: r.chance(0.5), type: r.pick(["a", "c", "b", "x"]), major: r.pick(EDGE_NUMBERS), minor: r.pick(EDGE_NUMBERS), access: r.pick(["rwm", "r", "", "x"]) }] },
  { at: [], key: "hostname", value: (r) => randomString(r) },
  { at: [], key: "domainname", value: (r) => randomString(r) },
  { at: [], key: "mounts", value: (r) => [{ destination: r.pick(["/mnt", "/mnt/../../x", "relative", "/proc/self/x", "/dev/x"]), type: r.pick(["tmpfs", "bind", "proc", "sysfs", "x"]), source: r.pick(["tmpfs", "/", "/nonexistent", "x"]), options: [r.pick(["ro", "rbind", "rro", "size=1m", "mode=x", "nosuid,nodev", "x"])] }] },
  { at: ["hooks"], key: "createRuntime", value: (r) => [{ path: r.pick(["/bin/true", "relative", "/nonexistent"]), args: [randomString(r)], timeout: r.pick(EDGE_NUMBERS) }] },
  { at: [], key: "annotations", value: (r) => ({ [randomString(r)]: randomString(r) }) },
];

type Op = (rng: Rng, doc: Json) => Json;

const at = (rng: Rng, doc: Json): Path => rng.pick(paths(doc));

const STRUCTURAL: readonly Op[] = [
  (r, d) => {
    const p = at(r, d);
    return set(d, p, otherType(r, get(d, p)));
  },
  (r, d) => {
    const p = at(r, d);
    return set(d, p, typeof get(d, p) === "string" ? randomString(r) : randomNumber(r));
  },
  (r, d) => {
    const strings = paths(d).filter((p) => typeof get(d, p) === "string");
    return strings.length ? set(d, r.pick(strings), randomString(r)) : d;
  },
  (r, d) => {
    const numbers = paths(d).filter((p) => typeof get(d, p) === "number");
    return numbers.length ? set(d, r.pick(numbers), randomNumber(r)) : d;
  },
  (r, d) => {
    const p = at(r, d);
    if (p.length === 0) return d;
    const parent = get(d, p.slice(0, -1));
    if (Array.isArray(parent)) parent.splice(p[p.length - 1] as number, 1);
    else delete (parent as Record<string, Json>)[p[p.length - 1] as string];
    return d;
  },
  (r, d) => {
    const objects = paths(d).filter((p) => isObject(get(d, p)));
    if (objects.length) (get(d, r.pick(objects)) as Record<string, Json>)[r.chance(0.5) ? randomString(r) : "org.fuzz.unknown"] = randomValue(r);
    return d;
  },
  (r, d) => {
    if (!isObject(d)) return d;
    const k = r.pick(KNOWN);
    ensure(d, k.at)[k.key] = k.value(r);
    return d;
  },
  (r, d) => {
    const arrays = paths(d).filter((p) => Array.isArray(get(d, p)) && (get(d, p) as Json[]).length > 0);
    if (!arrays.length) return d;
    const a = get(d, r.pick(arrays)) as Json[];
    const n = r.pick([1, 2, 100, 5000]);
    for (let i = 0; i < n; i++) a.push(structuredClone(a[r.int(a.length)]));
    return d;
  },
];

const TEXTUAL: readonly ((rng: Rng, text: string) => string)[] = [
  (r, t) => t.slice(0, r.int(t.length)),
  (r, t) => {
    // A key again with another value: JSON.parse keeps the last one.
    const keys = [...t.matchAll(/"([A-Za-z]+)":/g)];
    if (!keys.length) return t;
    const m = r.pick(keys);
    return `${t.slice(0, m.index!)}"${m[1]}":${JSON.stringify(randomValue(r, 1))},${t.slice(m.index!)}`;
  },
  (r, t) => {
    const i = r.int(t.length);
    return t.slice(0, i) + r.pick(["\u0000", "\u0001", "\ufeff", "\\", "\"", "}", "]", ",", "\ud800", " ", "\n"]) + t.slice(i);
  },
  (r, t) => {
    const nums = [...t.matchAll(/(?<=:)-?\d+(?=[,}\]])/g)];
    if (!nums.length) return t;
    const m = r.pick(nums);
    return t.slice(0, m.index!) + r.pick(EDGE_NUMBER_TEXTS) + t.slice(m.index! + m[0].length);
  },
  (r, t) => {
    const depth = r.pick([65, 1000, 100_000]);
    const [open, close] = r.chance(0.5) ? ["[", "]"] : ['{"a":', "}"];
    return t.replace(/}\s*$/, `,"org.fuzz.deep":${open.repeat(depth)}1${close.repeat(depth)}}`);
  },
  (r, t) => (r.chance(0.5) ? `\ufeff${t}` : `${t}${r.pick(["x", "{}", "\n\n", "\u0000"])}`),
];

/** One mutant of `base` as JSON text: 1 to 4 changes, most of them structural. */
export const mutateConfig = (rng: Rng, base: Json): string => {
  let doc = structuredClone(base);
  const n = 1 + (rng.chance(0.4) ? rng.int(4) : 0);
  for (let i = 0; i < n; i++) doc = rng.pick(STRUCTURAL)(rng, doc);
  let text = JSON.stringify(doc);
  if (rng.chance(0.2)) text = rng.pick(TEXTUAL)(rng, text);
  return text;
};
