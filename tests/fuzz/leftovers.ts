// What a fuzz case may not leave behind: state, cgroups in any hierarchy, mounts, processes, files outside its
// directories, journal records without their end. Each check names what it found.
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { posix } from "node:path";

/** The cgroup hierarchies of this machine and the harness's own cgroup in each (bunker's default parent). */
export interface CgroupLayout {
  mounts: { dir: string; own: string }[];
}

const unescape = (s: string): string => s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

const mountinfo = (): { point: string; fstype: string; superOptions: string }[] =>
  readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [pre, post = ""] = l.split(" - ");
      const [fstype = "", , superOptions = ""] = post.split(" ");
      return { point: unescape(pre!.split(" ")[4] ?? ""), fstype, superOptions };
    });

export const cgroupLayout = (): CgroupLayout => {
  const own = readFileSync("/proc/self/cgroup", "utf8").split("\n").filter(Boolean).map((l) => {
    const [, controllers = "", path = "/"] = l.split(":");
    return { controllers: controllers.split(",").map((c) => c.replace(/^name=/, "")), path };
  });
  const mounts = mountinfo()
    .filter((m) => m.fstype === "cgroup" || m.fstype === "cgroup2")
    .map((m) => {
      const opts = m.superOptions.split(",").map((o) => o.replace(/^name=/, ""));
      const mine = m.fstype === "cgroup2" ? own.find((o) => o.controllers.join("") === "") : own.find((o) => o.controllers.some((c) => c && opts.includes(c)));
      return { dir: m.point, own: mine?.path ?? "/" };
    });
  return { mounts };
};

/** Where bunker would put the cgroup of container `id` with this linux.cgroupsPath, in every hierarchy. */
const cgroupCandidates = (layout: CgroupLayout, id: string, cgroupsPath: unknown): string[] => {
  const out = new Set<string>();
  for (const m of layout.mounts) {
    const rel = typeof cgroupsPath === "string" && cgroupsPath ? cgroupsPath : id;
    const paths = rel.startsWith("/") ? [rel] : [posix.join(m.own, rel), posix.join(posix.dirname(m.own), rel)];
    for (const p of paths) if (!p.split("/").includes("..")) out.add(posix.join(m.dir, p));
  }
  return [...out];
};

export interface CaseTrace {
  root: string;
  id: string;
  cgroupsPath: unknown;
  /** Directories the case may write in; anything it leaves outside them is a leftover. */
  sandbox: string;
  /** Host paths the case's config names outside the sandbox (device nodes, mount targets that resolve out of it). */
  outside: string[];
  /** Mounts that belong to the sandbox itself (the pinned network namespace). */
  ownMounts: string[];
  /** What the checks found before the case ran: an ID such as "." or "/.." names the sandbox's own directory or a
   * hierarchy's root, which are there all along. */
  before?: readonly string[];
}

/** The bunker processes and container processes still alive: by executable, and by a root inside the sandbox. */
const strayProcesses = (bin: string, sandbox: string): string[] => {
  const out: string[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${pid}/exe`) === bin) out.push(`process ${pid} runs bunker`);
      else if (readlinkSync(`/proc/${pid}/root`).startsWith(sandbox)) out.push(`process ${pid} has its root in the sandbox`);
    } catch {
      // Gone meanwhile, or a kernel thread.
    }
  }
  return out;
};

export const leftovers = (t: CaseTrace, layout: CgroupLayout, bin: string): string[] => {
  const found: string[] = [];
  if (existsSync(posix.join(t.root, t.id))) found.push(`state directory ${posix.join(t.root, t.id)}`);
  for (const c of cgroupCandidates(layout, t.id, t.cgroupsPath)) if (existsSync(c)) found.push(`cgroup ${c}`);
  for (const m of mountinfo()) if (m.point.startsWith(t.sandbox) && !t.ownMounts.includes(m.point)) found.push(`mount ${m.point}`);
  found.push(...strayProcesses(bin, t.sandbox));
  for (const p of t.outside) if (existsSync(p)) found.push(`file ${p} outside the sandbox`);
  return found.filter((f) => !t.before?.includes(f));
};

/** Container IDs with a "created" journal record and no later "deleted" (from `bunker checkpoint inspect --json`). */
export const unfinishedJournal = (inspectJson: string): string[] => {
  const last = new Map<string, string>();
  const doc = JSON.parse(inspectJson) as { records?: { type: string; value?: { id?: string } }[] };
  for (const r of doc.records ?? []) if (r.value?.id) last.set(r.value.id, r.type === "created" || r.type === "deleted" ? r.type : (last.get(r.value.id) ?? "created"));
  return [...last].filter(([, kind]) => kind !== "deleted").map(([id]) => id);
};
