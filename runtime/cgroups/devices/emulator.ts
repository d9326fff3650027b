// The cgroup v1 device controller's semantics, emulated: a default (allow or deny all) plus exceptions per device.
// Both drivers compute the effective rules with it, so v2's eBPF filter behaves exactly as v1 would (runc does the
// same), and v1 updates write only the difference from what devices.list shows.
import { normAccess, WILDCARD, type DeviceRule } from "./rules.ts";

type Node = "b" | "c";
const key = (type: Node, major: number, minor: number): string => `${type} ${major} ${minor}`;

const union = (a: string, b: string): string => normAccess(a + b);
const minus = (a: string, b: string): string => [...a].filter((c) => !b.includes(c)).join("");
const overlap = (a: string, b: string): boolean => [...a].some((c) => b.includes(c));

export class DeviceEmulator {
  defaultAllow = false;
  /** Exceptions to the default, keyed "type major minor". */
  private readonly exceptions = new Map<string, { type: Node; major: number; minor: number; access: string }>();

  /** Applies one rule as the kernel would; a deny that would punch a hole into a wildcard exception is refused
   * (v1 silently ignores it, which would leave the device reachable). */
  apply(r: DeviceRule): void {
    if (r.type === "a") {
      this.defaultAllow = r.allow;
      this.exceptions.clear();
      return;
    }
    if (r.allow === this.defaultAllow) this.remove(r.type, r.major, r.minor, r.access);
    else this.add(r.type, r.major, r.minor, r.access);
  }

  private add(type: Node, major: number, minor: number, access: string): void {
    const k = key(type, major, minor);
    const old = this.exceptions.get(k)?.access ?? "";
    this.exceptions.set(k, { type, major, minor, access: union(old, access) });
  }

  private remove(type: Node, major: number, minor: number, access: string): void {
    for (const [ma, mi] of [[WILDCARD, minor], [major, WILDCARD], [WILDCARD, WILDCARD]] as const) {
      if (ma === major && mi === minor) continue;
      const partial = this.exceptions.get(key(type, ma, mi));
      if (partial && overlap(partial.access, access)) {
        throw new Error(
          `Applying device rule '${type} ${fmt(major)}:${fmt(minor)} ${access}': cannot punch a hole in the wildcard rule '${type} ${fmt(ma)}:${fmt(mi)} ${partial.access}'`,
        );
      }
    }
    const k = key(type, major, minor);
    const left = minus(this.exceptions.get(k)?.access ?? "", access);
    if (left) this.exceptions.set(k, { type, major, minor, access: left });
    else this.exceptions.delete(k);
  }

  /** The exceptions, each with the action opposite to the default, sorted by (major, minor, type). */
  rules(): DeviceRule[] {
    return [...this.exceptions.values()]
      .sort((a, b) => a.major - b.major || a.minor - b.minor || a.type.localeCompare(b.type))
      .map((e) => ({ allow: !this.defaultAllow, ...e }));
  }

  static of(rules: readonly DeviceRule[]): DeviceEmulator {
    const e = new DeviceEmulator();
    for (const r of rules) e.apply(r);
    return e;
  }

  /** State of a v1 cgroup from its devices.list, which lists what is allowed ("a *:* rwm" alone: allow all). */
  static fromList(list: string): DeviceEmulator {
    const e = new DeviceEmulator();
    for (const line of list.split("\n").filter(Boolean)) {
      const m = /^([abc]) (\d+|\*):(\d+|\*) ([rwm]+)$/.exec(line.trim());
      if (!m) throw new Error(`Reading devices.list: unexpected line '${line}'`);
      const num = (s: string): number => (s === "*" ? WILDCARD : Number(s));
      e.apply({ allow: true, type: m[1] as DeviceRule["type"], major: num(m[2]!), minor: num(m[3]!), access: m[4]! });
    }
    return e;
  }

  /** The rules to write to move a v1 cgroup from this state to `target` with the least disruption: a reset (deny or
   * allow all) only when the default changes or the source allows all (its deny exceptions are not listed). */
  transition(target: DeviceEmulator): DeviceRule[] {
    const out: DeviceRule[] = [];
    let old = this.exceptions;
    if (this.defaultAllow || this.defaultAllow !== target.defaultAllow) {
      out.push({ allow: target.defaultAllow, type: "a", major: WILDCARD, minor: WILDCARD, access: "rwm" });
      old = new Map();
    }
    for (const [k, e] of [...old].sort()) {
      const dropped = minus(e.access, target.exceptions.get(k)?.access ?? "");
      if (dropped) out.push({ allow: target.defaultAllow, type: e.type, major: e.major, minor: e.minor, access: dropped });
    }
    for (const e of target.rules()) {
      const gained = minus(e.access, old.get(key(e.type as Node, e.major, e.minor))?.access ?? "");
      if (gained) out.push({ ...e, access: gained });
    }
    return out;
  }
}

const fmt = (n: number): string => (n < 0 ? "*" : String(n));
