// Runs on the emulated board for checkpoint-cuts.ts: a journal-heavy or checkpoint-writing workload that prints a
// console line after each commit returns, and the checks the next boot runs after the power cut.
// usage: checkpoint-cut-guest journal-run DIR | journal-check DIR | ckpt-run STORE TREE | ckpt-check STORE
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CHECKPOINT_SUFFIX, readCheckpoint, writeCheckpoint } from "../../runtime/checkpoint/checkpoint-file.ts";
import { openStateJournal } from "../../runtime/durable/journal.ts";
import type { ContainerState } from "../../runtime/durable/lifecycle.ts";
import { restoreTree } from "../../runtime/checkpoint/restore-tree.ts";
import { fsStorage } from "../../runtime/durable/storage.ts";
import { changeAt, ckptData } from "./checkpoint-cut-workload.ts";

const [mode, a, b] = process.argv.slice(2);

if (mode === "journal-run") {
  // A small segment, so compactions happen every few dozen changes and cuts land in them too.
  const j = openStateJournal(a!, fsStorage(), { segmentBytes: 32 * 512 });
  let seq = j.state().seq;
  console.log(`CUT-RECOVERED ${seq}`);
  for (;;) {
    j.record(changeAt(++seq));
    console.log(`CUT-COMMITTED ${seq}`);
  }
} else if (mode === "journal-check") {
  const j = openStateJournal(a!, fsStorage(), { segmentBytes: 32 * 512 });
  console.log(`CUT-STATE ${JSON.stringify({ state: j.state(), recovery: j.recovery })}`);
} else if (mode === "ckpt-run") {
  mkdirSync(b!, { recursive: true });
  console.log("CUT-CKPT-START");
  const state: ContainerState = { id: "w", bundle: "/b", status: "running", oomKilled: false, restarts: 0, shouldRun: true };
  for (let n = 1; ; n++) {
    if (existsSync(join(a!, `${n}${CHECKPOINT_SUFFIX}`))) continue;
    writeFileSync(join(b!, "data"), ckptData(n));
    writeCheckpoint({ file: join(a!, `${n}${CHECKPOINT_SUFFIX}`), id: "w", trees: [{ name: "rootfs", dir: b! }], config: "{}", state });
    console.log(`CUT-CKPT-DONE ${n}`);
  }
} else if (mode === "ckpt-check") {
  const found: { n: number; ok: boolean; why?: string }[] = [];
  const storage = fsStorage();
  for (const name of storage.list(a!).filter((f) => f.endsWith(CHECKPOINT_SUFFIX))) {
    const n = Number(name.slice(0, -CHECKPOINT_SUFFIX.length));
    const out = mkdtempSync("/tmp/restore-");
    try {
      readCheckpoint(join(a!, name));
      restoreTree(join(a!, name), "rootfs", join(out, "t"));
      const ok = readFileSync(join(out, "t/data"), "utf8") === ckptData(n);
      found.push(ok ? { n, ok } : { n, ok, why: "restored data differs" });
    } catch (err) {
      found.push({ n, ok: false, why: (err as Error).message });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  console.log(`CUT-CKPTS ${JSON.stringify(found.sort((x, y) => x.n - y.n))}`);
} else {
  console.error("usage: checkpoint-cut-guest journal-run DIR | journal-check DIR | ckpt-run STORE TREE | ckpt-check STORE");
  process.exit(2);
}
