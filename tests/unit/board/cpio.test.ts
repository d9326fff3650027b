import { describe, expect, test } from "bun:test";
import { newcArchive } from "../../../board/cpio.ts";

interface Parsed {
  name: string;
  mode: number;
  size: number;
  rdev: [number, number];
  data: string;
}

/** A reader of the newc format, independent of the writer: checks magic and the 4-byte alignment as the kernel does. */
const parse = (buf: Uint8Array): Parsed[] => {
  const text = Buffer.from(buf).toString("latin1");
  const out: Parsed[] = [];
  let at = 0;
  for (;;) {
    expect(at % 4).toBe(0);
    expect(text.slice(at, at + 6)).toBe("070701");
    const field = (i: number) => parseInt(text.slice(at + 6 + i * 8, at + 14 + i * 8), 16);
    const size = field(6);
    const namesize = field(11);
    const name = text.slice(at + 110, at + 110 + namesize - 1);
    expect(text[at + 110 + namesize - 1]).toBe("\0");
    const dataAt = Math.ceil((at + 110 + namesize) / 4) * 4;
    if (name === "TRAILER!!!") return out;
    out.push({ name, mode: field(1), size, rdev: [field(9), field(10)], data: text.slice(dataAt, dataAt + size) });
    at = Math.ceil((dataAt + size) / 4) * 4;
  }
};

describe("newcArchive()", () => {
  test("writes files, directories, symlinks and device nodes that a newc reader reads back", () => {
    const archive = newcArchive([
      { kind: "dir", path: "bin" },
      { kind: "file", path: "bin/hello", data: Buffer.from("hello!"), mode: 0o755 },
      { kind: "symlink", path: "bin/sh", target: "busybox" },
      { kind: "chardev", path: "dev/console", major: 5, minor: 1 },
    ]);
    const entries = parse(archive);
    expect(entries.map((e) => e.name)).toEqual(["bin", "bin/hello", "bin/sh", "dev/console"]);
    expect(entries[0]!.mode).toBe(0o040755);
    expect(entries[1]).toMatchObject({ mode: 0o100755, size: 6, data: "hello!" });
    expect(entries[2]).toMatchObject({ mode: 0o120777, data: "busybox" });
    expect(entries[3]).toMatchObject({ mode: 0o020600, rdev: [5, 1], size: 0 });
  });

  test("strips leading slashes so entries unpack below the initramfs root", () => {
    expect(parse(newcArchive([{ kind: "dir", path: "/etc" }]))[0]!.name).toBe("etc");
  });

  test("pads names and data of every length to four bytes", () => {
    const entries = [1, 2, 3, 4, 5].map((n) => ({ kind: "file" as const, path: "x".repeat(n), data: Buffer.alloc(n, 0x61) }));
    expect(parse(newcArchive(entries)).map((e) => e.data.length)).toEqual([1, 2, 3, 4, 5]);
  });

  test("rejects an empty path", () => {
    expect(() => newcArchive([{ kind: "dir", path: "/" }])).toThrow("Write cpio entry: empty path: '/'");
  });
});
