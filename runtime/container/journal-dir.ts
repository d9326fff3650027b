import { join } from "node:path";

/** The journal of a state root: the board default keeps it on flash even though --root (/run) is on tmpfs. */
export const defaultJournalDir = (root: string): string => (root === "/run/bunker" ? "/var/lib/bunker/journal" : join(root, "journal"));
