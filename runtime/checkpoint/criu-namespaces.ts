// The namespaces a container joined (a `path` in its config: a network namespace made by CNI or an engine, a pod's pid
// namespace) are not the container's own: CRIU must neither dump them as if they were nor make fresh ones at restore.
// As runc does, the dump declares them external by inode (`--external net[INO]:extRootNetNS`), and the restore hands
// CRIU the namespace, opened from the path the config names, under the same key (`--inherit-fd fd[N]:extRootNetNS`).
// CRIU can do so for network and pid namespaces only; a container that joined another kind is refused, since CRIU
// would restore a private copy of it that nothing shares any more.
import type { Config } from "../spec/config.ts";
import { NAMESPACES, type NamespaceType } from "../spec/namespaces.ts";

export interface JoinedNamespace {
  type: NamespaceType;
  /** The file the config joins. */
  path: string;
  /** CRIU's key for it, the one runc uses. */
  key: string;
}

const KEYS: Partial<Record<NamespaceType, string>> = { network: "extRootNetNS", pid: "extRootPidNS" };

/** The namespaces of `config` that name a path; throws (`fail`) on a kind CRIU cannot take as external. */
export const joinedNamespaces = (config: Config, fail: (why: string) => never): JoinedNamespace[] =>
  (config.linux?.namespaces ?? []).flatMap((n) => {
    if (n.path === undefined) return [];
    const key = KEYS[n.type] ?? fail(`it joins the ${n.type} namespace '${n.path}': CRIU takes only network and pid namespaces from outside the container`);
    return [{ type: n.type, path: n.path, key }];
  });

/** `--external` values of the dump: each joined namespace by the inode of the one the init is in (`ns/net` reads
 * "net:[INO]"), which must be the one the config names (`pathInode`), or CRIU would dump it as the container's own. */
export const dumpedNamespaces = (
  joined: readonly JoinedNamespace[],
  initLink: (type: NamespaceType) => string | undefined,
  pathInode: (path: string) => bigint | undefined,
  fail: (why: string) => never,
): string[] =>
  joined.map((j) => {
    const file = NAMESPACES[j.type].procFile;
    const link = initLink(j.type) ?? fail(`its init has no ${file} namespace to read`);
    const ino = /^\w+:\[(\d+)\]$/.exec(link)?.[1] ?? fail(`its init's ${file} namespace reads '${link}'`);
    const joinedIno = pathInode(j.path) ?? fail(`the ${j.type} namespace '${j.path}' its config joins is gone`);
    if (BigInt(ino) !== joinedIno) fail(`its init is not in the ${j.type} namespace '${j.path}' its config joins (it is in ${link})`);
    return `${file}[${ino}]:${j.key}`;
  });
