// The linear power-cut proof of the state journal: every cut point of a workload, under every failure model.
import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHECKPOINT_SUFFIX, locateChunks, readCheckpoint, writeCheckpoint } from "../../../../runtime/checkpoint/checkpoint-file.ts";
import { CRIU_IMAGES_TREE, type ProcessImage } from "../../../../runtime/durable/checkpoint-records.ts";
import { FaultStorage, PowerCut, rng } from "../../../../runtime/durable/fault-storage.ts";
import { openStateJournal } from "../../../../runtime/durable/journal.ts";
import { applyChange, deviceState, emptyModel, type ContainerState, type DeviceState, type LifecycleChange } from "../../../../runtime/durable/lifecycle.ts";
import { runPowerCuts, type CutWorkload } from "../../../../runtime/durable/power-cut.ts";
import { SECTOR } from "../../../../runtime/durable/storage.ts";

/** A busy device: three containers going through their lives, one resources update that spans two sectors. */
const changes = (): LifecycleChange[] => {
  const out: LifecycleChange[] = [];
  for (const id of ["a", "b", "c"]) out.push({ kind: "created", id, bundle: `/srv/${id}` }, { kind: "desired", id, running: true });
  for (let round = 1; round <= 4; round++)
    for (const id of ["a", "b", "c"]) {
      out.push({ kind: "started", id, pid: 100 * round + id.charCodeAt(0), startTime: 1000 * round });
      if (id === "b") out.push({ kind: "oomKilled", id }, { kind: "exited", id, signal: 9 });
      else out.push({ kind: "exited", id, status: round });
      out.push({ kind: "restarted", id, count: round });
    }
  out.push({ kind: "resourcesUpdated", id: "a", resources: JSON.stringify({ cpu: { shares: 512 }, pad: "x".repeat(600) }) });
  out.push({ kind: "desired", id: "c", running: false }, { kind: "deleted", id: "c" });
  return out;
};

// Thousands of recoveries: on a loaded 2-core machine they take several times bun's default 5 s.
const CPU_BOUND_MS = 120_000;

// What the failure models make of unsynced writes is drawn from a fresh seed each run, printed so that a failing run
// can be repeated (BUNKER_CUT_SEED=S); every cut point is tried whatever the seed.
const SEED = Number(process.env.BUNKER_CUT_SEED ?? Math.floor(Math.random() * 1_000_000));
console.log(`power cuts: seed ${SEED} (BUNKER_CUT_SEED=${SEED} repeats it)`);

const PROBE: LifecycleChange = { kind: "created", id: "probe", bundle: "/srv/probe" };

/** `group`: changes per commit; above 1 they go through recordAll, one sync per group (as a foreground run does). */
const journalWorkload = (steps: LifecycleChange[], segmentBytes: number, group = 1): CutWorkload<DeviceState> => {
  const states: DeviceState[] = [];
  const model = emptyModel();
  states.push(deviceState(0, model));
  steps.forEach((c, i) => {
    applyChange(model, c);
    states.push(deviceState(i + 1, model));
  });
  return {
    run(storage, committed, inFlight) {
      // Reopen half-way, so cuts also land after a recovery.
      const half = steps.length >> 1;
      for (const part of [steps.slice(0, half), steps.slice(half)]) {
        const j = openStateJournal("/state", storage, { segmentBytes });
        for (let i = 0; i < part.length; i += group) {
          const batch = part.slice(i, i + group);
          if (batch.length === 1) j.record(batch[0]!);
          else {
            inFlight(batch.length);
            j.recordAll(batch);
          }
          committed(batch.length);
        }
        j.close();
      }
    },
    expected: (n) => states[n]!,
    recover(storage) {
      const j = openStateJournal("/state", storage);
      const found = j.state();
      // The repaired journal must take new changes and give them back.
      j.record(PROBE);
      const after = openStateJournal("/state", storage).state();
      if (after.seq !== found.seq + 1 || !after.containers.probe) throw new Error(`the change recorded after recovery is lost: ${JSON.stringify(after)}`);
      return found;
    },
  };
};

describe("state journal under power cuts", () => {
  const steps = changes();

  test("the fault storage stops every call once the power is cut", () => {
    const disk = new FaultStorage(undefined, 1);
    const f = disk.open("/x", { create: true });
    expect(() => f.append(Uint8Array.of(1))).toThrow(PowerCut);
    expect(() => disk.read("/x")).toThrow(PowerCut);
  });

  test("unsynced writes are lost, synced ones kept, under the drop model", () => {
    const disk = new FaultStorage();
    const f = disk.open("/d/x", { create: true });
    disk.fsyncDir("/d");
    f.append(Uint8Array.of(1, 2));
    f.fsync();
    f.append(Uint8Array.of(3));
    const after = new FaultStorage(disk.afterCut("drop", 1));
    expect(after.read("/d/x")).toEqual(Uint8Array.of(1, 2));
  });

  test("a new file's name is lost unless its directory was synced", () => {
    const disk = new FaultStorage();
    disk.open("/d/x", { create: true }).fsync();
    expect(new FaultStorage(disk.afterCut("drop", 1)).read("/d/x")).toBeUndefined();
  });

  test("the torn model writes garbage into the sector after the kept prefix", () => {
    const disk = new FaultStorage();
    const f = disk.open("/d/x", { create: true });
    disk.fsyncDir("/d");
    f.writeAt(0, new Uint8Array(4 * SECTOR).fill(1));
    const images = Array.from({ length: 20 }, (_, seed) => new FaultStorage(disk.afterCut("torn", seed)).read("/d/x")!);
    expect(images.some((img) => img.some((b) => b !== 0 && b !== 1))).toBe(true);
    expect(images.every((img) => img.length % SECTOR === 0)).toBe(true);
  });

  test("every cut point under all four failure models recovers a state that existed, with every returned commit", () => {
    let cuts = 0;
    const failures: unknown[] = [];
    // A small segment forces a compaction every few changes, so cuts land inside compactions too.
    for (const [segmentBytes, seed] of [[6 * SECTOR, SEED + 1], [11 * SECTOR, SEED + 2], [64 * SECTOR, SEED + 3]] as const) {
      const report = runPowerCuts(journalWorkload(steps, segmentBytes), { seed });
      cuts += report.cuts;
      failures.push(...report.failures.slice(0, 3));
    }
    console.log(`state journal: ${cuts} power cuts, ${failures.length} failures (seed ${SEED})`);
    expect(failures).toEqual([]);
    expect(cuts).toBeGreaterThanOrEqual(1000);
  }, CPU_BOUND_MS);

  test("group commits of three changes recover a prefix of the group in flight, with every returned group", () => {
    let cuts = 0;
    const failures: unknown[] = [];
    for (const [segmentBytes, seed] of [[6 * SECTOR, SEED + 4], [64 * SECTOR, SEED + 5]] as const) {
      const report = runPowerCuts(journalWorkload(steps, segmentBytes, 3), { seed });
      cuts += report.cuts;
      failures.push(...report.failures.slice(0, 3));
    }
    console.log(`state journal, group commits: ${cuts} power cuts, ${failures.length} failures (seed ${SEED})`);
    expect(failures).toEqual([]);
    expect(cuts).toBeGreaterThanOrEqual(200);
  }, CPU_BOUND_MS);
});

describe("checkpoint files under power cuts", () => {
  test("every checkpoint file a cut leaves is complete, and every write that returned is there", () => {
    const tree = mkdtempSync(join(tmpdir(), "bunker-cut-tree-"));
    try {
      mkdirSync(`${tree}/data`);
      writeFileSync(`${tree}/data/a`, "x".repeat(100_000));
      writeFileSync(`${tree}/data/b`, "y".repeat(10));
      const state: ContainerState = { id: "c", bundle: "/b", status: "running", oomKilled: false, restarts: 0, shouldRun: true };
      const names = ["1", "2", "3"];
      const workload: CutWorkload<string[]> = {
        run(storage, committed) {
          for (const n of names) {
            writeCheckpoint({ file: `/store/${n}${CHECKPOINT_SUFFIX}`, id: "c", trees: [{ name: "rootfs", dir: tree }], config: "{}", state, storage, standalone: n === "3" });
            committed();
          }
        },
        expected: (n) => names.slice(0, n),
        recover(storage) {
          const files = storage.list("/store").filter((f) => f.endsWith(CHECKPOINT_SUFFIX)).sort();
          for (const f of files) readCheckpoint(`/store/${f}`, storage);
          return files.map((f) => f.slice(0, -CHECKPOINT_SUFFIX.length));
        },
      };
      const report = runPowerCuts(workload, { seed: SEED + 6 });
      console.log(`checkpoint files: ${report.cuts} power cuts, ${report.failures.length} failures (seed ${SEED})`);
      expect(report.failures.slice(0, 3)).toEqual([]);
      expect(report.cuts).toBeGreaterThan(40);
    } finally {
      rmSync(tree, { recursive: true });
    }
  }, CPU_BOUND_MS);
});

describe("process checkpoint files under power cuts", () => {
  test("a cut while a process checkpoint is written leaves the earlier one intact, with its images, and no half file", () => {
    const tree = mkdtempSync("/tmp/bunker-cut-proc-");
    try {
      mkdirSync(`${tree}/rootfs`);
      writeFileSync(`${tree}/rootfs/app`, "binary");
      mkdirSync(`${tree}/images`);
      // Memory that does not compress, different in each checkpoint: the second writes all new chunks.
      const pages = (n: number): Buffer => {
        const r = rng(n);
        return Buffer.from(Array.from({ length: 3 * 65536 }, () => Math.floor(r() * 256)));
      };
      writeFileSync(`${tree}/images/core-1.img`, "core");
      const state: ContainerState = { id: "c", bundle: "/b", status: "running", oomKilled: false, restarts: 0, shouldRun: true };
      const process: ProcessImage = { criu: "3.17.1", arch: "aarch64", kernel: "6.1.0", pid: 9, cgroup: "/b/c", mounts: [], stdio: [] };
      const names = ["1", "2"];
      const workload: CutWorkload<string[]> = {
        run(storage, committed) {
          for (const n of names) {
            writeFileSync(`${tree}/images/pages-1.img`, pages(Number(n)));
            writeCheckpoint({
              file: `/store/${n}${CHECKPOINT_SUFFIX}`, id: "c", config: "{}", state, storage, process,
              trees: [{ name: "rootfs", dir: `${tree}/rootfs` }, { name: CRIU_IMAGES_TREE, dir: `${tree}/images`, level: 3 }],
            });
            committed();
          }
        },
        expected: (n) => names.slice(0, n),
        recover(storage) {
          const files = storage.list("/store").filter((f) => f.endsWith(CHECKPOINT_SUFFIX)).sort();
          for (const f of files) {
            const read = readCheckpoint(`/store/${f}`, storage);
            if (!read.process || !read.trees.some((t) => t.name === CRIU_IMAGES_TREE)) throw new Error(`'${f}' lost its process part`);
            // Every image chunk it names is there, in it or in its store.
            locateChunks(`/store/${f}`, read, storage);
          }
          return files.map((f) => f.slice(0, -CHECKPOINT_SUFFIX.length));
        },
      };
      const report = runPowerCuts(workload);
      console.log(`process checkpoint files: ${report.cuts} power cuts, ${report.failures.length} failures`);
      expect(report.failures.slice(0, 3)).toEqual([]);
      expect(report.cuts).toBeGreaterThan(40);
    } finally {
      rmSync(tree, { recursive: true });
    }
  }, CPU_BOUND_MS);
});
