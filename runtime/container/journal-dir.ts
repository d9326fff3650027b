// Where state lives by default: the container state root, and the journal of a root.

/** Container state: tmpfs on a board, gone after a boot. */
export const DEFAULT_ROOT = "/run/bunker";

/** The default root's journal, on persistent storage (the root itself is tmpfs). */
export const DEFAULT_JOURNAL_DIR = "/var/lib/bunker/journal";

/**
 * The state journal of a root when --journal names none. The default root's lives on persistent storage (its root is
 * on tmpfs). A root given with --root has none: it is an engine's (containerd, Docker and podman pass their own),
 * the engine restarts its containers itself, and nothing of bunker's may sit among the container IDs there (a
 * `journal` directory was a container nobody could create, and `runc list` reads every directory as a container).
 */
export const defaultJournalDir = (root: string): string | null => (root === DEFAULT_ROOT ? DEFAULT_JOURNAL_DIR : null);
