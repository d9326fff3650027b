// A mount's `options` array -> what mount(2) and mount_setattr(2) take, with runc's option table and semantics.
import { MOUNT_ATTR, MS } from "../../ffi/constants.ts";

/** Options that set (or, with clear, unset) an MS_* flag. */
const FLAGS: Readonly<Record<string, { clear: boolean; flag: number }>> = {
  acl: { clear: false, flag: MS.POSIXACL },
  async: { clear: true, flag: MS.SYNCHRONOUS },
  atime: { clear: true, flag: MS.NOATIME },
  bind: { clear: false, flag: MS.BIND },
  dev: { clear: true, flag: MS.NODEV },
  diratime: { clear: true, flag: MS.NODIRATIME },
  dirsync: { clear: false, flag: MS.DIRSYNC },
  exec: { clear: true, flag: MS.NOEXEC },
  iversion: { clear: false, flag: MS.I_VERSION },
  lazytime: { clear: false, flag: MS.LAZYTIME },
  loud: { clear: true, flag: MS.SILENT },
  mand: { clear: false, flag: MS.MANDLOCK },
  noacl: { clear: true, flag: MS.POSIXACL },
  noatime: { clear: false, flag: MS.NOATIME },
  nodev: { clear: false, flag: MS.NODEV },
  nodiratime: { clear: false, flag: MS.NODIRATIME },
  noexec: { clear: false, flag: MS.NOEXEC },
  noiversion: { clear: true, flag: MS.I_VERSION },
  nolazytime: { clear: true, flag: MS.LAZYTIME },
  nomand: { clear: true, flag: MS.MANDLOCK },
  norelatime: { clear: true, flag: MS.RELATIME },
  nostrictatime: { clear: true, flag: MS.STRICTATIME },
  nosuid: { clear: false, flag: MS.NOSUID },
  nosymfollow: { clear: false, flag: MS.NOSYMFOLLOW },
  rbind: { clear: false, flag: MS.BIND | MS.REC },
  relatime: { clear: false, flag: MS.RELATIME },
  remount: { clear: false, flag: MS.REMOUNT },
  ro: { clear: false, flag: MS.RDONLY },
  rw: { clear: true, flag: MS.RDONLY },
  silent: { clear: false, flag: MS.SILENT },
  strictatime: { clear: false, flag: MS.STRICTATIME },
  suid: { clear: true, flag: MS.NOSUID },
  symfollow: { clear: true, flag: MS.NOSYMFOLLOW },
  sync: { clear: false, flag: MS.SYNCHRONOUS },
};

/** Propagation options: each is its own mount(2) call after the mount itself. */
export const PROPAGATION: Readonly<Record<string, number>> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

/** Recursive options, applied to the whole tree with mount_setattr(AT_RECURSIVE). */
const REC_ATTRS: Readonly<Record<string, { clear: boolean; flag: number }>> = {
  rro: { clear: false, flag: MOUNT_ATTR.RDONLY },
  rrw: { clear: true, flag: MOUNT_ATTR.RDONLY },
  rnosuid: { clear: false, flag: MOUNT_ATTR.NOSUID },
  rsuid: { clear: true, flag: MOUNT_ATTR.NOSUID },
  rnodev: { clear: false, flag: MOUNT_ATTR.NODEV },
  rdev: { clear: true, flag: MOUNT_ATTR.NODEV },
  rnoexec: { clear: false, flag: MOUNT_ATTR.NOEXEC },
  rexec: { clear: true, flag: MOUNT_ATTR.NOEXEC },
  rnodiratime: { clear: false, flag: MOUNT_ATTR.NODIRATIME },
  rdiratime: { clear: true, flag: MOUNT_ATTR.NODIRATIME },
  rrelatime: { clear: false, flag: MOUNT_ATTR.RELATIME },
  rnorelatime: { clear: true, flag: MOUNT_ATTR.RELATIME },
  rnoatime: { clear: false, flag: MOUNT_ATTR.NOATIME },
  ratime: { clear: true, flag: MOUNT_ATTR.NOATIME },
  rstrictatime: { clear: false, flag: MOUNT_ATTR.STRICTATIME },
  rnostrictatime: { clear: true, flag: MOUNT_ATTR.STRICTATIME },
  rnosymfollow: { clear: false, flag: MOUNT_ATTR.NOSYMFOLLOW },
  rsymfollow: { clear: true, flag: MOUNT_ATTR.NOSYMFOLLOW },
};

/** "defaults" means no flag at all. */
const IGNORED = new Set(["defaults"]);

/** An idmapped bind mount (mount_setattr MOUNT_ATTR_IDMAP): of the top mount only, or of every mount below it too. */
const IDMAP: Readonly<Record<string, MountOptions["idmap"]>> = { idmap: "top", ridmap: "recursive" };

/** Every option name the table knows (for the features document); anything else is passed on as data. */
export const MOUNT_OPTION_NAMES: readonly string[] = [
  ...Object.keys(FLAGS),
  ...Object.keys(PROPAGATION),
  ...Object.keys(REC_ATTRS),
  ...Object.keys(IDMAP),
  "tmpcopyup",
  ...IGNORED,
].sort();

export interface MountOptions {
  /** MS_* flags for mount(2). */
  flags: number;
  /** MS_* flags an option explicitly cleared (rw, suid, dev...): a bind remount must not keep them from the source. */
  clearedFlags: number;
  /** Propagation flags in the order given, one mount(2) call each. */
  propagation: number[];
  /** mount_setattr(2) attr_set and attr_clr, applied recursively. */
  recAttrSet: number;
  recAttrClr: number;
  /** Filesystem-specific options (mode=755, size=64k, ...) joined with commas, as mount(2)'s data. */
  data: string;
  /** The idmap or ridmap option. */
  idmap: "none" | "top" | "recursive";
  /** tmpcopyup: a tmpfs starts with a copy of what the directory it covers holds. */
  copyUp: boolean;
}

export const parseMountOptions = (options: readonly string[]): MountOptions => {
  const m: MountOptions = { flags: 0, clearedFlags: 0, propagation: [], recAttrSet: 0, recAttrClr: 0, data: "", idmap: "none", copyUp: false };
  const data: string[] = [];
  for (const o of options) {
    const f = FLAGS[o];
    const rec = REC_ATTRS[o];
    if (f?.clear) {
      m.flags &= ~f.flag;
      m.clearedFlags |= f.flag;
    } else if (f) {
      m.flags |= f.flag;
      m.clearedFlags &= ~f.flag;
    } else if (PROPAGATION[o] !== undefined) m.propagation.push(PROPAGATION[o]);
    else if (rec?.clear) {
      m.recAttrClr |= rec.flag;
      m.recAttrSet &= ~rec.flag;
    } else if (rec) {
      m.recAttrSet |= rec.flag;
      m.recAttrClr &= ~rec.flag;
      // mount_setattr(2): an access-time mode is set only if attr_clr also names the whole atime field.
      if ((rec.flag & MOUNT_ATTR.ATIME_MASK) === rec.flag) m.recAttrClr |= MOUNT_ATTR.ATIME_MASK;
    } else if (IDMAP[o]) m.idmap = IDMAP[o];
    else if (o === "tmpcopyup") m.copyUp = true;
    else if (!IGNORED.has(o)) data.push(o);
  }
  m.data = data.join(",");
  return m;
};
