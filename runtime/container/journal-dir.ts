// Where state lives by default: the container state root, and the journal of a root.
import { join } from "node:path";

/** Container state: tmpfs on a board, gone after a boot. */
export const DEFAULT_ROOT = "/run/bunker";

/** The default root's journal, on persistent storage (the root itself is tmpfs). */
export const DEFAULT_JOURNAL_DIR = "/var/lib/bunker/journal";

/** The journal of a state root: the board default keeps it on flash even though the root is on tmpfs. */
export const defaultJournalDir = (root: string): string => (root === DEFAULT_ROOT ? DEFAULT_JOURNAL_DIR : join(root, "journal"));
