// The power-cut helper against a write-fsync loop: every line the board reported as synced must be on the disk after the
// cut, in order and whole. Runs on the host and boots the emulated board twice (about 15 s).
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { BUILD_DIR, prepareBase } from "../../board/assemble.ts";
import { buildMinimalTree } from "../../board/disk-tree.ts";
import { makeExt4Image } from "../../board/disk-image.ts";
import { powerCut } from "../../board/power-cut.ts";
import { loadProfile } from "../../board/profile.ts";

const qemu = Bun.which("qemu-system-aarch64");
if (!qemu) console.log("skip: power-cut test needs qemu-system-aarch64 (npm run test:board installs it)");

// Appends a numbered line, fdatasyncs the file, then says so on the console.
const WRITER = `
mkdir -p /var/lib/bunker/pc
i=0
while true; do
  i=$((i + 1))
  echo "line $i $(seq -s . 1 20)" >> /var/lib/bunker/pc/log
  sync -d /var/lib/bunker/pc/log
  echo "BOARD-MARK synced $i"
done
`;

const READER = `
echo "BOARD-LOG-BEGIN"
cat /var/lib/bunker/pc/log
echo "BOARD-LOG-END"
`;

describe.skipIf(!qemu)("power cut on the emulated board", () => {
  test("keeps every line that was fsynced before the cut, whole and in order", async () => {
    const base = prepareBase(() => {});
    const tree = join(BUILD_DIR, "power-cut-tree");
    const disk = join(BUILD_DIR, "power-cut.img");
    buildMinimalTree(tree, base.packages["busybox-static"]);
    makeExt4Image(tree, disk, 128);
    const { first, second } = await powerCut({
      profile: loadProfile("qemu-virt-a53"),
      base,
      disk,
      run: WRITER,
      cut: { line: /^BOARD-MARK synced 30$/ },
      then: READER,
    });
    const synced = Math.max(...first.lines.map((l) => Number(/^BOARD-MARK synced (\d+)$/.exec(l.text)?.[1] ?? 0)));
    expect(first.cut).toBe(true);
    expect(synced).toBeGreaterThanOrEqual(30);
    expect(second.jobExit).toBe(0);
    const texts = second.lines.map((l) => l.text);
    const log = texts.slice(texts.indexOf("BOARD-LOG-BEGIN") + 1, texts.indexOf("BOARD-LOG-END"));
    const full = `${Array.from({ length: 20 }, (_, i) => i + 1).join(".")}`;
    // Every synced line survives; at most the lines written after the last report may be missing or cut short.
    expect(log.length).toBeGreaterThanOrEqual(synced);
    for (let i = 0; i < synced; i++) expect(log[i]).toBe(`line ${i + 1} ${full}`);
  }, 120_000);
});
