// CRIU on the board's disk: Debian's criu, GNU tar, iproute2 and iptables with their shared libraries, copied from
// the unpacked packages as dpkg would place them (documentation left out). iptables' commands are symlinks that
// Debian's maintainer scripts make with update-alternatives; the board gets the legacy ones, which CRIU drives.
import { cpSync, existsSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";

const IPTABLES_COMMANDS = ["iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save", "ip6tables-restore"];

/** Copies every top-level directory of each unpacked package into `root`, skipping usr/share. */
export const installCriu = (root: string, packages: readonly string[]): void => {
  for (const pkg of packages)
    for (const top of readdirSync(pkg).filter((d) => !d.startsWith(".")))
      cpSync(join(pkg, top), join(root, top), {
        recursive: true,
        verbatimSymlinks: true,
        force: true,
        filter: (src) => !src.startsWith(join(pkg, "usr/share")),
      });
  const sbin = join(root, "usr/sbin");
  if (!existsSync(join(sbin, "xtables-legacy-multi"))) throw new Error(`Install CRIU on the board: no usr/sbin/xtables-legacy-multi among the packages (iptables)`);
  for (const cmd of IPTABLES_COMMANDS) if (!existsSync(join(sbin, cmd))) symlinkSync("xtables-legacy-multi", join(sbin, cmd));
};
