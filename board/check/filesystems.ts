// Filesystems and block devices bunker's image and memory features use: loaded, loadable as a module, or absent.
import { type CheckItem, item } from "./report.ts";
import { lines, type SystemView } from "./system.ts";

type Presence = "loaded" | "module" | "absent";

/** Whether kernel module `name` is loaded, or could be (listed in modules.order, modules.builtin or modules.dep). */
export const modulePresence = (view: SystemView, release: string, name: string): Presence => {
  if (view.exists(`/sys/module/${name}`) || lines(view.read("/proc/modules")).some((l) => l.split(" ")[0] === name)) return "loaded";
  const dir = `/lib/modules/${release}`;
  const re = new RegExp(`(^|/)${name.replaceAll("_", "[_-]")}\\.ko(\\.[a-z]+)?(:|$)`, "m");
  const listed = ["modules.builtin", "modules.order", "modules.dep"].some((f) => re.test(view.read(`${dir}/${f}`) ?? ""));
  return listed ? "module" : "absent";
};

interface Feature {
  id: string;
  group: "filesystems" | "memory" | "block";
  title: string;
  /** Name in /proc/filesystems, for filesystems. */
  fs?: string;
  module: string;
  /** A path whose existence proves the feature (a control file or device). */
  proof?: string;
  loss: string;
}

const FEATURES: Feature[] = [
  { id: "fs.overlay", group: "filesystems", title: "overlayfs", fs: "overlay", module: "overlay", loss: "image layers must be copied into one directory per container: more flash and time" },
  { id: "fs.squashfs", group: "filesystems", title: "squashfs", fs: "squashfs", module: "squashfs", loss: "no compressed read-only images" },
  { id: "fs.erofs", group: "filesystems", title: "erofs", fs: "erofs", module: "erofs", loss: "no EROFS read-only images (smaller and faster to read than squashfs)" },
  { id: "block.loop", group: "block", title: "loop devices", module: "loop", proof: "/dev/loop-control", loss: "image files cannot be mounted; images must be unpacked" },
  { id: "memory.zram", group: "memory", title: "zram", module: "zram", proof: "/sys/class/zram-control", loss: "no compressed swap in RAM: memory pressure goes to flash or the OOM killer sooner" },
];

export const filesystemItems = (view: SystemView, release: string): CheckItem[] => {
  const filesystems = lines(view.read("/proc/filesystems")).map((l) => l.trim().split(/\s+/).pop()!);
  const out = FEATURES.map((f) => {
    const base = { id: f.id, group: f.group, title: f.title, loss: f.loss };
    if ((f.fs && filesystems.includes(f.fs)) || (f.proof && view.exists(f.proof))) return item(base, "ok", "available");
    const p = modulePresence(view, release, f.module);
    if (p === "loaded") return item(base, "ok", `module ${f.module} loaded`);
    return p === "module"
      ? item(base, "degraded", `module ${f.module} not loaded (modprobe ${f.module})`)
      : item(base, "missing", `not in /proc/filesystems, no module ${f.module}`);
  });
  const zswap = view.read("/sys/module/zswap/parameters/enabled")?.trim();
  out.push(
    item(
      { id: "memory.zswap", group: "memory", title: "zswap", loss: "no compressed cache in front of a swap device" },
      zswap === "Y" ? "ok" : zswap === "N" ? "degraded" : "missing",
      zswap === undefined ? "not built" : zswap === "Y" ? "enabled" : "built, disabled (zswap.enabled=1 or its parameter)",
    ),
  );
  return out;
};
