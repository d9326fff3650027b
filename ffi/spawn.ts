// posix_spawn(3): libc makes the child with clone(CLONE_VM|CLONE_VFORK) and execs at once, so no JS ever runs in it
// (fork through bun:ffi crashes the child: see NOTES). Until its execve the child shares the caller's memory, and so
// the caller's dumpable flag. glibc and musl both run setsid before the file actions.
import { q } from "./check.ts";
import { cstr, cstrArray } from "./cstring.ts";
import { SysError } from "./errno.ts";
import { libc } from "./libc.ts";

const SPAWN = { SETSIGDEF: 0x04, SETSIGMASK: 0x08, SETSID: 0x80 } as const;
const O_RDWR = 0o2;

// Opaque to us: 336 bytes (attributes) and 80 bytes (file actions) in glibc and musl on x86_64 and aarch64 alike.
const ATTR_SIZE = 512;
const ACTIONS_SIZE = 256;
const SIGSET_SIZE = 128;

export interface SpawnRequest {
  path: string;
  argv: readonly string[];
  env: readonly string[];
  /** The child leads a new session. */
  setsid: boolean;
  /** Opened on 0 and duplicated onto 1 and 2 (a terminal's slave: a session leader gets it as its controlling tty). */
  stdio: string | null;
}

const ok = (call: string, ret: number): void => {
  if (ret !== 0) throw new SysError(call, ret);
};

/** Starts `path` with every signal at its default and none blocked; returns the child's PID once it has exec'd. */
export const posixSpawn = (r: SpawnRequest): number => {
  const attr = Buffer.alloc(ATTR_SIZE);
  const actions = Buffer.alloc(ACTIONS_SIZE);
  ok("posix_spawnattr_init", libc.posix_spawnattr_init(attr));
  ok("posix_spawn_file_actions_init", libc.posix_spawn_file_actions_init(actions));
  try {
    // Signals 1..64: ignored dispositions and blocked masks would otherwise survive execve.
    const all = Buffer.alloc(SIGSET_SIZE);
    all.writeBigUInt64LE(0xffff_ffff_ffff_ffffn, 0);
    ok("posix_spawnattr_setsigdefault", libc.posix_spawnattr_setsigdefault(attr, all));
    ok("posix_spawnattr_setsigmask", libc.posix_spawnattr_setsigmask(attr, Buffer.alloc(SIGSET_SIZE)));
    ok("posix_spawnattr_setflags", libc.posix_spawnattr_setflags(attr, SPAWN.SETSIGDEF | SPAWN.SETSIGMASK | (r.setsid ? SPAWN.SETSID : 0)));
    const stdio = r.stdio === null ? null : cstr(r.stdio);
    if (stdio) {
      ok("posix_spawn_file_actions_addopen", libc.posix_spawn_file_actions_addopen(actions, 0, stdio, O_RDWR, 0));
      for (const fd of [1, 2]) ok("posix_spawn_file_actions_adddup2", libc.posix_spawn_file_actions_adddup2(actions, 0, fd));
    }
    const path = cstr(r.path);
    const argv = cstrArray(r.argv);
    const env = cstrArray(r.env);
    const pid = new Int32Array(1);
    const ret = libc.posix_spawn(pid, path, actions, attr, argv.array, env.array);
    if (ret !== 0) throw new SysError("posix_spawn", ret, q(r.path));
    return pid[0]!;
  } finally {
    libc.posix_spawn_file_actions_destroy(actions);
    libc.posix_spawnattr_destroy(attr);
  }
};
