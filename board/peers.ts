// Peer runtimes for side-by-side figures on the board: Debian's arm64 crun and runc with the libraries they load,
// unpacked like the board's other packages and copied into the disk tree (/opt/peers/bin, Debian's library dirs).
import { cpSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Debian } from "./debian.ts";

export const PEERS_BIN = "/opt/peers/bin";

/** Each peer's package and the path of its executable inside it. */
export const PEERS = { crun: { pkg: "crun", exe: "usr/bin/crun" }, runc: { pkg: "runc", exe: "usr/sbin/runc" } } as const;
export type PeerName = keyof typeof PEERS;

/** What crun and runc load besides libc (`apt-cache depends`, followed down). */
const LIBRARIES = ["libcap2", "libseccomp2", "libsystemd0", "libyajl2", "libgcrypt20", "libgpg-error0", "liblz4-1", "liblzma5", "libzstd1"];

/** Unpacks the peers and their libraries; returns a function that copies them into a disk tree. */
export const preparePeers = (debian: Debian): ((tree: string) => void) => {
  const peers = Object.entries(PEERS).map(([name, p]) => ({ name, dir: debian.unpack(p.pkg), exe: p.exe }));
  const libs = LIBRARIES.map((p) => debian.unpack(p));
  return (tree) => {
    mkdirSync(join(tree, PEERS_BIN), { recursive: true });
    for (const p of peers) cpSync(join(p.dir, p.exe), join(tree, PEERS_BIN, p.name));
    for (const dir of libs)
      for (const sub of ["lib/aarch64-linux-gnu", "usr/lib/aarch64-linux-gnu"])
        if (existsSync(join(dir, sub))) cpSync(join(dir, sub), join(tree, sub), { recursive: true, verbatimSymlinks: true });
  };
};
