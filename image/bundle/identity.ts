// The image's `User` ("name", "uid", "name:group", "uid:gid") as ids, resolved through the image's own /etc/passwd
// and /etc/group (read inside its root by the caller), with the supplementary groups that list the user, as
// Docker resolves it. Ids outside 0..2^31-1 are refused (issue 9: a wrapped id must never become root).
import { escapeText } from "../text.ts";

export interface Identity {
  uid: number;
  gid: number;
  additionalGids: number[];
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 2 ** 31 - 1;

const id = (text: string, what: string): number | undefined => {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  if (n > MAX_ID) throw new Error(`The image's user: ${what} ${text} is outside 0..${MAX_ID}`);
  return n;
};

/** Lines of name:x:uid:gid:... ; malformed lines are skipped, as libc's getpwent does. */
export const parsePasswd = (text: string): PasswdEntry[] =>
  text
    .split("\n")
    .map((l) => l.split(":"))
    .filter((f) => f.length >= 4 && /^\d+$/.test(f[2]!) && /^\d+$/.test(f[3]!) && Number(f[2]) <= MAX_ID && Number(f[3]) <= MAX_ID)
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) }));

export const parseGroup = (text: string): GroupEntry[] =>
  text
    .split("\n")
    .map((l) => l.split(":"))
    .filter((f) => f.length >= 3 && /^\d+$/.test(f[2]!) && Number(f[2]) <= MAX_ID)
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? "").split(",").filter(Boolean) }));

export const resolveIdentity = (user: string | undefined, passwd: string | undefined, group: string | undefined): Identity => {
  const spec = (user ?? "").trim();
  const users = parsePasswd(passwd ?? "");
  const groups = parseGroup(group ?? "");
  const [userPart = "", groupPart] = spec.split(":");
  const numericUid = id(userPart || "0", "uid");
  const entry = numericUid !== undefined ? users.find((u) => u.uid === numericUid) : users.find((u) => u.name === userPart);
  if (numericUid === undefined && !entry) throw new Error(`The image's user '${escapeText(userPart)}' is not in its /etc/passwd`);
  const uid = numericUid ?? entry!.uid;
  let gid = entry?.gid ?? 0;
  if (groupPart !== undefined && groupPart !== "") {
    const numericGid = id(groupPart, "gid");
    const g = numericGid === undefined ? groups.find((x) => x.name === groupPart) : undefined;
    if (numericGid === undefined && !g) throw new Error(`The image's group '${escapeText(groupPart)}' is not in its /etc/group`);
    gid = numericGid ?? g!.gid;
  }
  const name = entry?.name;
  const additionalGids = name === undefined || groupPart ? [] : [...new Set(groups.filter((g) => g.members.includes(name) && g.gid !== gid).map((g) => g.gid))];
  return { uid, gid, additionalGids };
};
