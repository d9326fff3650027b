import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { baseInitramfs, jobInitramfs } from "../../../board/initramfs.ts";
import type { ModuleInfo } from "../../../board/kmod.ts";
import { tempDirs } from "../../support/temp.ts";

const temp = tempDirs();

/** Names and contents of a gzip'd newc archive, read with a minimal reader. */
const entries = (gz: Uint8Array): Map<string, string> => {
  const text = Buffer.from(Bun.gunzipSync(new Uint8Array(gz))).toString("latin1");
  const out = new Map<string, string>();
  for (let at = 0; ; ) {
    const field = (i: number) => parseInt(text.slice(at + 6 + i * 8, at + 14 + i * 8), 16);
    const name = text.slice(at + 110, at + 110 + field(11) - 1);
    if (name === "TRAILER!!!") return out;
    const dataAt = Math.ceil((at + 110 + field(11)) / 4) * 4;
    out.set(name, text.slice(dataAt, dataAt + field(6)));
    at = Math.ceil((dataAt + field(6)) / 4) * 4;
  }
};

const fixture = () => {
  const dir = temp("initramfs-");
  mkdirSync(join(dir, "busybox/bin"), { recursive: true });
  writeFileSync(join(dir, "busybox/bin/busybox"), "BUSYBOX");
  mkdirSync(join(dir, "modules/kernel/fs"), { recursive: true });
  writeFileSync(join(dir, "modules/kernel/fs/jbd2.ko"), "JBD2");
  writeFileSync(join(dir, "modules/kernel/fs/ext4.ko"), "EXT4");
  const mod = (name: string): ModuleInfo => ({ name, path: `kernel/fs/${name}.ko`, depends: [], softPre: [], aliases: [] });
  return { busybox: join(dir, "busybox"), modulesDir: join(dir, "modules"), modules: [mod("jbd2"), mod("ext4")] };
};

describe("baseInitramfs()", () => {
  test("carries busybox, /init, stage 2, /dev/console and the modules with their load order", () => {
    const e = entries(baseInitramfs(fixture()));
    expect(e.get("bin/busybox")).toBe("BUSYBOX");
    expect(e.get("init")).toStartWith("#!/bin/busybox sh");
    expect(e.get("etc/board/stage2.sh")).toContain("BOARD-JOB-EXIT");
    expect(e.has("dev/console")).toBe(true);
    expect(e.get("etc/board/modules")).toBe("jbd2.ko\next4.ko\n");
    expect(e.get("lib/modules/ext4.ko")).toBe("EXT4");
  });
});

describe("jobInitramfs()", () => {
  test("is a separate archive holding only the job script", () => {
    expect([...entries(jobInitramfs("echo hi\n"))]).toEqual([["etc/board/job.sh", "echo hi\n"]]);
  });
});
