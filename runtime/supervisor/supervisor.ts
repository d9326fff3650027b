// `bunker daemon`: one process supervising every container of a state root. It notices exits (its own children
// through their exit promise, others through a pidfd in the epoll worker), applies restart policies through the
// memory core's plan, and runs the memory core. New and deleted containers are noticed through inotify on the root.
import { mkdirSync, watch, type FSWatcher } from "node:fs";
import { EPOLL } from "../../ffi/epoll.ts";
import type { Damaged } from "../container/list.ts";
import type { ContainerOps, ListedContainer } from "./container-ops.ts";
import type { MemoryCore } from "../memory/core.ts";
import type { CoreContainer } from "../memory/observation.ts";
import type { EpollWatch } from "../watch/epoll.ts";
import { recorder, type EventSink } from "../memory/event-log.ts";
import { memoryPolicy, type MemoryPolicy } from "../memory/policy.ts";
import type { ExitRecord } from "../memory/restart.ts";

interface Supervised {
  listed: ListedContainer;
  policy: MemoryPolicy;
  status: CoreContainer["status"];
  paths: CoreContainer["paths"];
  exit?: ExitRecord;
  restarts: number[];
  /** Set while the daemon waits for this run's exit. */
  watching: boolean;
}

export interface SupervisorDeps {
  root: string;
  ops: ContainerOps;
  watch: EpollWatch;
  sink: EventSink;
  /** Builds the memory core once the supervisor can answer its questions (containers, restart). */
  core(containers: () => CoreContainer[], restart: (id: string) => Promise<void>): MemoryCore;
  warn(msg: string): void;
  /** Told of every exit once recorded (the service manager follows its instances through it). */
  exited?(id: string, exit: ExitRecord): void;
  now?: () => number;
}

export class Supervisor {
  private readonly known = new Map<string, Supervised>();
  /** Damaged containers already reported, with the reason reported. */
  private readonly damaged = new Map<string, string>();
  private readonly core: MemoryCore;
  private rootWatch: FSWatcher | undefined;
  private rescanTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly now: () => number;

  constructor(private readonly d: SupervisorDeps) {
    this.now = d.now ?? Date.now;
    this.core = d.core(() => this.view(), (id) => this.restart(id));
  }

  start(): void {
    this.core.start();
    this.scan();
    // A container created or deleted by the CLI shows as an entry of the root; a start removes <id>/start.sock,
    // which a recursive watch sees. Bursts (create writes several files) are folded into one scan.
    mkdirSync(this.d.root, { recursive: true, mode: 0o711 });
    this.rootWatch = watch(this.d.root, { recursive: true }, (_event, name) => {
      // Hidden entries are the daemon's own (its event log), never containers.
      if (name?.startsWith(".")) return;
      clearTimeout(this.rescanTimer);
      this.rescanTimer = setTimeout(() => this.scan(), 20);
    });
  }

  stop(): void {
    this.rootWatch?.close();
    clearTimeout(this.rescanTimer);
    for (const id of this.known.keys()) this.d.watch.disarm(`exit ${id}`);
    this.core.stop();
  }

  /** A container the daemon made and started itself (a service instance): its exit status comes with its exit. */
  launched(id: string, exited: Promise<number>): void {
    const listed = this.d.ops.list().containers.find((c) => c.id === id);
    const s = listed && (this.known.get(id) ?? this.adopt(listed));
    if (!listed || !s) return;
    s.listed = listed;
    // A scan may have followed it by pidfd already; the exit promise also carries the status.
    this.d.watch.disarm(`exit ${id}`);
    s.watching = true;
    this.running(s);
    void exited.then((code) => this.exited(id, code, Date.now()));
  }

  view(): CoreContainer[] {
    return [...this.known.values()].map((s) => ({
      id: s.listed.id, policy: s.policy, status: s.status, restarts: s.restarts,
      ...(s.paths ? { paths: s.paths } : {}), ...(s.exit ? { exit: s.exit } : {}),
    }));
  }

  /** Brings the supervised set in line with the root: adopt new containers, follow starts, forget deleted ones. */
  scan(): void {
    let listed: ListedContainer[];
    try {
      const found = this.d.ops.list();
      listed = found.containers;
      this.reportDamaged(found.damaged);
    } catch (err) {
      this.d.warn(`Listing containers in '${this.d.root}': ${(err as Error).message}`);
      return;
    }
    const ids = new Set(listed.map((c) => c.id));
    for (const [id, s] of this.known) {
      // A container in the middle of a restart is briefly absent from the list: only forget settled ones.
      if (!ids.has(id) && !s.watching && s.status === "stopped") this.forget(id);
    }
    for (const c of listed) {
      const s = this.known.get(c.id) ?? this.adopt(c);
      if (!s) continue;
      s.listed = c;
      if ((c.status === "running" || c.status === "paused") && !s.watching) this.follow(s);
    }
  }

  /** Each damaged container once (scans are frequent), again if its reason changes. */
  private reportDamaged(damaged: readonly Damaged[]): void {
    for (const id of this.damaged.keys()) if (!damaged.some((d) => d.id === id)) this.damaged.delete(id);
    for (const d of damaged) {
      if (this.damaged.get(d.id) === d.reason) continue;
      this.damaged.set(d.id, d.reason);
      this.d.warn(`Not supervising container '${d.id}': it is damaged: ${d.reason}`);
    }
  }

  private adopt(c: ListedContainer): Supervised | undefined {
    let policy: MemoryPolicy;
    try {
      policy = memoryPolicy(c.annotations);
    } catch (err) {
      this.d.warn(`Not supervising container '${c.id}': ${(err as Error).message}`);
      return undefined;
    }
    // Containers already stopped when the daemon starts are left alone: how they ended is not known.
    const s: Supervised = { listed: c, policy, status: c.status === "paused" ? "paused" : c.status === "running" ? "running" : "stopped", paths: undefined, restarts: [], watching: false };
    this.known.set(c.id, s);
    return s;
  }

  private forget(id: string): void {
    this.d.watch.disarm(`exit ${id}`);
    this.core.detach(id);
    this.known.delete(id);
  }

  /** Watches a running container started by someone else: its pidfd becomes readable when its init exits. */
  private follow(s: Supervised): void {
    const id = s.listed.id;
    let fd: number | undefined;
    try {
      fd = this.d.ops.exitFd(id);
    } catch (err) {
      this.d.warn(`Watching container '${id}': ${(err as Error).message}`);
      return;
    }
    if (fd === undefined) return;
    s.watching = true;
    this.d.watch.watchFd(`exit ${id}`, fd, EPOLL.IN | EPOLL.ONESHOT, { fired: (at) => this.exited(id, undefined, at) });
    this.running(s);
  }

  private running(s: Supervised): void {
    s.status = "running";
    delete s.exit;
    s.paths = this.d.ops.paths(s.listed);
    this.core.attach(this.view().find((c) => c.id === s.listed.id)!);
  }

  /** `status`: the exit status when the daemon is the parent; a pidfd does not carry it. */
  private exited(id: string, status: number | undefined, at: number): void {
    const s = this.known.get(id);
    if (!s) return;
    this.d.watch.disarm(`exit ${id}`);
    s.watching = false;
    s.status = "stopped";
    const killedBy = this.core.killedBy(id);
    // Without the status (not our child), count it as a failure: a supervised service is not meant to stop.
    s.exit = { at, status: status ?? (killedBy ? 137 : 255), ...(killedBy ? { killedBy } : {}) };
    this.core.detach(id);
    recorder(this.d.sink, this.now)({
      container: id, class: s.policy.class, action: "exit", outcome: "done",
      reason: status === undefined ? "init exited (status unknown: not a child of the daemon)" : `init exited with status ${status}`,
      ...(killedBy ? { detail: `killed by the ${killedBy}` } : {}),
    });
    this.core.signal({ source: id, kind: "exit", at });
    this.d.exited?.(id, s.exit);
  }

  private async restart(id: string): Promise<void> {
    const s = this.known.get(id);
    if (!s) throw new Error(`Restarting container '${id}': it is no longer in '${this.d.root}'`);
    // Counted before trying, so that a restart that keeps failing backs off and ends as a crash loop.
    s.restarts = [...s.restarts.filter((t) => this.now() - t <= s.policy.restart.windowMs), this.now()];
    s.watching = true;
    try {
      const { exited } = await this.d.ops.recreate(s.listed, this.d.warn);
      this.core.restarted(id);
      this.running(s);
      void exited.then((code) => this.exited(id, code, Date.now()));
    } catch (err) {
      s.watching = false;
      s.exit = { at: this.now(), status: 255 };
      throw err;
    }
  }
}
