import { describe, expect, test } from "bun:test";
import { MOUNT_ATTR, MS } from "../../../../ffi/constants.ts";
import { MOUNT_OPTION_NAMES, parseMountOptions } from "../../../../runtime/spec/mount-options.ts";

describe("parseMountOptions()", () => {
  test("turns flag options into MS_* flags and keeps the rest as data, in order", () => {
    const m = parseMountOptions(["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]);
    expect(m.flags).toBe(MS.NOSUID | MS.NOEXEC | MS.NODEV);
    expect(m.data).toBe("mode=1777,size=65536k");
    expect(m.propagation).toEqual([]);
  });

  test("lets a later option clear an earlier one and records what was cleared", () => {
    const m = parseMountOptions(["ro", "nosuid", "rw", "suid"]);
    expect(m.flags).toBe(0);
    expect(m.clearedFlags).toBe(MS.RDONLY | MS.NOSUID);
    const again = parseMountOptions(["rw", "ro"]);
    expect([again.flags, again.clearedFlags]).toEqual([MS.RDONLY, 0]);
  });

  test("maps bind and rbind, with MS_REC for rbind", () => {
    expect(parseMountOptions(["bind"]).flags).toBe(MS.BIND);
    expect(parseMountOptions(["rbind", "ro"]).flags).toBe(MS.BIND | MS.REC | MS.RDONLY);
  });

  test("knows every flag option of runc's table", () => {
    const cases: [string, number][] = [
      ["sync", MS.SYNCHRONOUS], ["dirsync", MS.DIRSYNC], ["remount", MS.REMOUNT], ["mand", MS.MANDLOCK],
      ["noatime", MS.NOATIME], ["nodiratime", MS.NODIRATIME], ["relatime", MS.RELATIME], ["strictatime", MS.STRICTATIME],
      ["acl", MS.POSIXACL], ["iversion", MS.I_VERSION], ["lazytime", MS.LAZYTIME], ["silent", MS.SILENT], ["nosymfollow", MS.NOSYMFOLLOW],
    ];
    for (const [o, f] of cases) expect([o, parseMountOptions([o]).flags]).toEqual([o, f]);
    const clears: [string, number][] = [
      ["async", MS.SYNCHRONOUS], ["nomand", MS.MANDLOCK], ["atime", MS.NOATIME], ["diratime", MS.NODIRATIME], ["norelatime", MS.RELATIME],
      ["nostrictatime", MS.STRICTATIME], ["dev", MS.NODEV], ["exec", MS.NOEXEC], ["noacl", MS.POSIXACL], ["loud", MS.SILENT],
    ];
    for (const [o, f] of clears) expect([o, parseMountOptions([o]).clearedFlags]).toEqual([o, f]);
  });

  test("collects propagation options as separate flags, in order", () => {
    expect(parseMountOptions(["rslave", "private", "shared", "runbindable"]).propagation).toEqual([
      MS.SLAVE | MS.REC, MS.PRIVATE, MS.SHARED, MS.UNBINDABLE | MS.REC,
    ]);
    expect(parseMountOptions(["rshared", "slave", "unbindable", "rprivate"]).propagation).toEqual([
      MS.SHARED | MS.REC, MS.SLAVE, MS.UNBINDABLE, MS.PRIVATE | MS.REC,
    ]);
  });

  test("turns recursive options into mount_setattr attributes", () => {
    const m = parseMountOptions(["rbind", "rro", "rnosuid", "rnodev", "rnoexec"]);
    expect(m.recAttrSet).toBe(MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | MOUNT_ATTR.NODEV | MOUNT_ATTR.NOEXEC);
    expect(m.recAttrClr).toBe(0);
    const cleared = parseMountOptions(["rro", "rrw", "rexec"]);
    expect([cleared.recAttrSet, cleared.recAttrClr]).toEqual([0, MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOEXEC]);
  });

  test("clears the whole atime field when an access-time mode is set recursively", () => {
    const noatime = parseMountOptions(["rnoatime"]);
    expect([noatime.recAttrSet, noatime.recAttrClr]).toEqual([MOUNT_ATTR.NOATIME, MOUNT_ATTR.ATIME_MASK]);
    const relatime = parseMountOptions(["rrelatime"]);
    expect([relatime.recAttrSet, relatime.recAttrClr]).toEqual([0, MOUNT_ATTR.ATIME_MASK]);
    const nodiratime = parseMountOptions(["rnodiratime"]);
    expect([nodiratime.recAttrSet, nodiratime.recAttrClr]).toEqual([MOUNT_ATTR.NODIRATIME, 0]);
  });

  test("takes tmpcopyup, idmap and ridmap as options of bunker's, and defaults as none, never as file-system data", () => {
    expect(parseMountOptions(["defaults", "tmpcopyup", "mode=755"])).toEqual({
      flags: 0, clearedFlags: 0, propagation: [], recAttrSet: 0, recAttrClr: 0, data: "mode=755", idmap: "none", copyUp: true,
    });
    expect(parseMountOptions(["rbind", "idmap"]).idmap).toBe("top");
    expect(parseMountOptions(["rbind", "ridmap"])).toMatchObject({ idmap: "recursive", data: "" });
  });

  test("every option `bunker features` lists is taken by bunker, none handed to the file system as data", () => {
    for (const name of MOUNT_OPTION_NAMES) expect({ name, data: parseMountOptions([name]).data }).toEqual({ name, data: "" });
  });

  test("MOUNT_OPTION_NAMES lists the names runc 1.1 reports in its features, and idmap and ridmap", () => {
    expect(MOUNT_OPTION_NAMES).toEqual([
      "acl", "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "idmap", "iversion", "lazytime", "loud", "mand", "noacl",
      "noatime", "nodev", "nodiratime", "noexec", "noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid",
      "nosymfollow", "private", "ratime", "rbind", "rdev", "rdiratime", "relatime", "remount", "rexec", "ridmap", "rnoatime", "rnodev",
      "rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime", "rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime", "rro",
      "rrw", "rshared", "rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable", "rw", "shared", "silent", "slave",
      "strictatime", "suid", "symfollow", "sync", "tmpcopyup", "unbindable",
    ]);
  });
});
