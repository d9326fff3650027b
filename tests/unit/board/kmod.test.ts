import { describe, expect, test } from "bun:test";
import { type ModuleInfo, ModuleIndex, modinfo, parseModule } from "../../../board/kmod.ts";

/** A minimal ELF64 little-endian object with a section-name table and one .modinfo section. */
const elfWithModinfo = (pairs: string[]): Uint8Array => {
  const names = Buffer.from("\0.shstrtab\0.modinfo\0", "latin1");
  const info = Buffer.from(`${pairs.join("\0")}\0`, "utf8");
  const shoff = 64 + names.length + info.length;
  const buf = Buffer.alloc(shoff + 3 * 64);
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = 2;
  buf[5] = 1;
  buf.writeBigUInt64LE(BigInt(shoff), 0x28);
  buf.writeUInt16LE(64, 0x3a);
  buf.writeUInt16LE(3, 0x3c);
  buf.writeUInt16LE(1, 0x3e);
  names.copy(buf, 64);
  info.copy(buf, 64 + names.length);
  const section = (i: number, name: number, offset: number, size: number) => {
    const at = shoff + i * 64;
    buf.writeUInt32LE(name, at);
    buf.writeBigUInt64LE(BigInt(offset), at + 0x18);
    buf.writeBigUInt64LE(BigInt(size), at + 0x20);
  };
  section(1, 1, 64, names.length);
  section(2, 11, 64 + names.length, info.length);
  return buf;
};

const mod = (name: string, depends: string[] = [], softPre: string[] = [], aliases: string[] = []): ModuleInfo => ({
  name,
  path: `kernel/${name}.ko`,
  depends,
  softPre,
  aliases,
});

describe("modinfo()", () => {
  test("reads the key=value strings of the .modinfo section", () => {
    const info = modinfo(elfWithModinfo(["depends=jbd2,mbcache", "alias=fs-ext4", "alias=ext3", "softdep=pre: crc32c"]));
    expect(info.get("depends")).toEqual(["jbd2,mbcache"]);
    expect(info.get("alias")).toEqual(["fs-ext4", "ext3"]);
  });

  test("refuses what is not a 64-bit little-endian ELF object", () => {
    expect(() => modinfo(Buffer.from("not an elf file at all, just text padding it out to 64 bytes......"))).toThrow(
      "Read module info: not an ELF64 little-endian object",
    );
  });
});

describe("parseModule()", () => {
  test("names the module after its file with dashes as underscores and splits dependencies", () => {
    const m = parseModule("kernel/fs/ext4/ext4.ko", elfWithModinfo(["depends=jbd2,mbcache,crc16", "softdep=pre: crc32c"]));
    expect(m).toEqual({ name: "ext4", path: "kernel/fs/ext4/ext4.ko", depends: ["jbd2", "mbcache", "crc16"], softPre: ["crc32c"], aliases: [] });
    expect(parseModule("kernel/x/virtio-pci.ko", elfWithModinfo(["depends="])).name).toBe("virtio_pci");
  });
});

describe("ModuleIndex.loadOrder()", () => {
  const index = new ModuleIndex(
    [
      mod("ext4", ["jbd2", "mbcache"], ["crc32c"]),
      mod("jbd2"),
      mod("mbcache"),
      mod("crc32c_generic", [], [], ["crypto-crc32c", "crc32c"]),
      mod("zram", ["zsmalloc"]),
      mod("zsmalloc"),
      mod("broken", ["absent"]),
    ],
    new Set(["virtio"]),
  );

  test("puts soft and hard dependencies before the module, each once", () => {
    expect(index.loadOrder(["ext4", "zram", "jbd2"]).map((m) => m.name)).toEqual(["crc32c_generic", "jbd2", "mbcache", "ext4", "zsmalloc", "zram"]);
  });

  test("skips built-in modules", () => {
    expect(index.loadOrder(["virtio", "zram"]).map((m) => m.name)).toEqual(["zsmalloc", "zram"]);
  });

  test("names the chain when a dependency is missing", () => {
    expect(() => index.loadOrder(["broken"])).toThrow("Resolve kernel module: not found: 'absent' (needed by 'broken')");
  });
});
