// The container init's standard descriptors as CRIU must hear of them. A descriptor opened on one of the container's
// own mounts restores by itself. A pipe, or a file on a mount outside the container (a host /dev/null, a log file),
// cannot: at the dump it is declared external, and at the restore bunker hands CRIU one of its own descriptors in its
// place (runc does the same with the pipes of its caller). Sockets and terminals are refused: CRIU would need their
// other ends, which bunker does not hold.
import { S_IFCHR, S_IFMT } from "../../ffi/constants.ts";
import type { StdioDescriptor } from "../durable/checkpoint-records.ts";
import { parseMountTable } from "../rootfs/mount-table.ts";
import type { ProcessHost } from "./process-host.ts";

/** Character-device majors of terminals: tty/ttyS (4), tty/console/ptmx (5), pty slaves (136-143), ttyAMA (204). */
const TTY_MAJORS = new Set([4, 5, 136, 137, 138, 139, 140, 141, 142, 143, 204]);

const major = (rdev: bigint): number => Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));

export const describeStdio = (host: ProcessHost, pid: number, id: string): StdioDescriptor[] => {
  const mountinfo = host.read(`/proc/${pid}/mountinfo`);
  if (mountinfo === undefined) throw new Error(`Checkpoint '${id}': its init (pid ${pid}) is gone`);
  const inside = new Set(parseMountTable(mountinfo).map((m) => m.id));
  const out: StdioDescriptor[] = [];
  for (const fd of [0, 1, 2]) {
    const link = host.readlink(`/proc/${pid}/fd/${fd}`);
    if (link === undefined) continue;
    const refuse = (what: string): never => {
      throw new Error(`Checkpoint '${id}': the init's fd ${fd} is ${what}: CRIU cannot hand it back at restore (give the container pipes, files or /dev/null)`);
    };
    if (/^pipe:\[\d+\]$/.test(link)) {
      out.push({ fd, kind: "pipe", key: link });
      continue;
    }
    if (/^[a-z_]+:/.test(link)) refuse(`'${link}'`);
    const mnt = /^mnt_id:\s*(\d+)/m.exec(host.read(`/proc/${pid}/fdinfo/${fd}`) ?? "")?.[1];
    if (mnt === undefined) throw new Error(`Checkpoint '${id}': no mnt_id in /proc/${pid}/fdinfo/${fd}`);
    if (inside.has(Number(mnt))) {
      out.push({ fd, kind: "inside" });
      continue;
    }
    const st = host.stat(`/proc/${pid}/fd/${fd}`);
    if (!st) throw new Error(`Checkpoint '${id}': the init's fd ${fd} closed while bunker read it`);
    if ((st.mode & S_IFMT) === S_IFCHR && TTY_MAJORS.has(major(st.rdev))) refuse(`the terminal '${link}'`);
    out.push({ fd, kind: "file", key: `file[${Number(mnt).toString(16)}:${st.ino.toString(16)}]` });
  }
  return out;
};

/** What to give CRIU at restore: bunker's own fd N for each dumped pipe or outside file on fd N. */
export const inheritedStdio = (stdio: readonly StdioDescriptor[]): { fd: number; key: string }[] =>
  stdio.flatMap((s) => (s.kind === "inside" || s.key === undefined ? [] : [{ fd: s.fd, key: s.key }]));
