// The attacker of the CVE-2021-30465 pattern: swaps two entries of a directory (a real directory and a symlink
// pointing out of the root) with renameat2(RENAME_EXCHANGE) as fast as it can, until killed.
// usage: bun tests/support/swap-race.ts DIR NAME1 NAME2
import { renameat2 } from "../../ffi/at.ts";
import { AT_FDCWD, RENAME } from "../../ffi/constants.ts";

const [dir, a, b] = process.argv.slice(2);
if (!dir || !a || !b) {
  console.error("usage: bun tests/support/swap-race.ts DIR NAME1 NAME2");
  process.exit(2);
}
const from = `${dir}/${a}`;
const to = `${dir}/${b}`;
console.log("racing");
for (;;) renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME.EXCHANGE);
