// Kernel module dependency order read from the .ko files themselves: Debian's kernel package ships no modules.dep
// (depmod writes it at install time), so the lane reads each module's .modinfo section instead.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface ModuleInfo {
  name: string;
  /** Path relative to the modules directory, e.g. "kernel/fs/ext4/ext4.ko". */
  path: string;
  depends: string[];
  /** Soft "pre:" dependencies (ext4 wants crc32c loaded first); names or aliases. */
  softPre: string[];
  aliases: string[];
}

export const moduleName = (file: string): string => file.replace(/\.ko$/, "").replaceAll("-", "_");

/** The NUL-separated key=value strings of an ELF64 little-endian object's `.modinfo` section. */
export const modinfo = (elf: Uint8Array): Map<string, string[]> => {
  const view = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  if (view.getUint32(0, false) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1)
    throw new Error("Read module info: not an ELF64 little-endian object");
  const shoff = Number(view.getBigUint64(0x28, true));
  const shentsize = view.getUint16(0x3a, true);
  const shnum = view.getUint16(0x3c, true);
  const strndx = view.getUint16(0x3e, true);
  const section = (i: number) => {
    const at = shoff + i * shentsize;
    return {
      name: view.getUint32(at, true),
      offset: Number(view.getBigUint64(at + 0x18, true)),
      size: Number(view.getBigUint64(at + 0x20, true)),
    };
  };
  const names = section(strndx);
  const nameOf = (off: number): string => {
    const start = names.offset + off;
    return Buffer.from(elf.subarray(start, elf.indexOf(0, start))).toString("latin1");
  };
  const out = new Map<string, string[]>();
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (nameOf(s.name) !== ".modinfo") continue;
    for (const kv of Buffer.from(elf.subarray(s.offset, s.offset + s.size)).toString("utf8").split("\0")) {
      const eq = kv.indexOf("=");
      if (eq <= 0) continue;
      const key = kv.slice(0, eq);
      out.set(key, [...(out.get(key) ?? []), kv.slice(eq + 1)]);
    }
  }
  return out;
};

export const parseModule = (path: string, elf: Uint8Array): ModuleInfo => {
  const info = modinfo(elf);
  const list = (key: string): string[] => (info.get(key) ?? []).flatMap((v) => v.split(",")).filter(Boolean).map(moduleName);
  const softPre = (info.get("softdep") ?? []).flatMap((v) => /pre:\s*([^:]*?)(?:\s+post:|$)/.exec(v)?.[1]?.split(/\s+/) ?? []);
  return {
    name: moduleName(path.split("/").pop()!),
    path,
    depends: list("depends"),
    softPre: softPre.filter(Boolean),
    aliases: info.get("alias") ?? [],
  };
};

export class ModuleIndex {
  private readonly byName = new Map<string, ModuleInfo>();
  private readonly byAlias = new Map<string, ModuleInfo>();

  constructor(
    modules: readonly ModuleInfo[],
    private readonly builtin: ReadonlySet<string> = new Set(),
  ) {
    for (const m of modules) {
      this.byName.set(m.name, m);
      for (const a of m.aliases) if (!/[*?[]/.test(a)) this.byAlias.set(a, m);
    }
  }

  /** Reads every .ko under `dir` (lib/modules/<version>) and its modules.builtin. */
  static load(dir: string): ModuleIndex {
    const found: ModuleInfo[] = [];
    const walk = (rel: string): void => {
      for (const d of readdirSync(join(dir, rel), { withFileTypes: true })) {
        const r = rel ? `${rel}/${d.name}` : d.name;
        if (d.isDirectory()) walk(r);
        else if (d.name.endsWith(".ko")) found.push(parseModule(r, readFileSync(join(dir, r))));
      }
    };
    walk("kernel");
    const builtin = readFileSync(join(dir, "modules.builtin"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((p) => moduleName(p.split("/").pop()!));
    return new ModuleIndex(found, new Set(builtin));
  }

  private resolve(name: string): ModuleInfo | undefined {
    return this.byName.get(moduleName(name)) ?? this.byAlias.get(name) ?? this.byAlias.get(`crypto-${name}`);
  }

  /** The modules to insmod, dependencies first, each once. Built-in modules are skipped; unknown ones throw. */
  loadOrder(wanted: readonly string[]): ModuleInfo[] {
    const order: ModuleInfo[] = [];
    const seen = new Set<string>();
    const visit = (name: string, soft: boolean, chain: string[]): void => {
      if (this.builtin.has(moduleName(name))) return;
      const m = this.resolve(name);
      if (!m) {
        // A soft dependency may be satisfied by code built into the kernel under another name.
        if (soft) return;
        throw new Error(`Resolve kernel module: not found: '${name}'${chain.length ? ` (needed by '${chain.join("' <- '")}')` : ""}`);
      }
      if (seen.has(m.name)) return;
      seen.add(m.name);
      for (const s of m.softPre) visit(s, true, [m.name, ...chain]);
      for (const d of m.depends) visit(d, false, [m.name, ...chain]);
      order.push(m);
    };
    for (const w of wanted) visit(w, false, []);
    return order;
  }
}
