// The layers of bunker's source, lowest first. A file may import from its own folder, from any folder of a lower
// layer, and, in its own layer, from the folders its row names (and only where that makes no cycle). The test
// tests/unit/layers.test.ts holds the code to this table; `npm run layers` prints it for the README.

export interface Unit {
  /** A folder ("runtime/spec/"), the files directly in a folder ("runtime/*.ts") or one file ("runtime/entry.ts"). */
  path: string;
  holds: string;
  /** Folders of the same layer this one may import. */
  alsoImports?: readonly string[];
}

export const LAYERS: readonly (readonly Unit[])[] = [
  [{ path: "ffi/", holds: "the only place that touches `bun:ffi`: libc, typed wrappers throwing `SysError`, constants" }],
  [{ path: "runtime/*.ts", holds: "leaves every layer shares: one-line errors, `--debug` lines, the version, how the executable finds itself" }],
  [
    { path: "runtime/spec/", holds: "the OCI runtime spec: config, state, features, validation" },
    { path: "runtime/bpf/", holds: "eBPF for cgroups: the assembler, loading, attaching and listing programs" },
  ],
  [
    { path: "runtime/durable/", holds: "durable storage: atomic files, the binary record format, the state journal, fault storage for power-cut proofs" },
    { path: "runtime/watch/", holds: "kernel notifications without polling: inotify on a path, eventfds, epoll of PSI triggers and pidfds" },
    { path: "runtime/cgroups/", holds: "the cgroup manager interface, v1/v2/hybrid drivers, OOM and memory.events watches, PSI", alsoImports: ["runtime/watch/"] },
    { path: "runtime/rootfs/", holds: "the container's root filesystem: mounts, devices, pivot_root, masked paths" },
    { path: "runtime/seccomp/", holds: "seccomp filters from the config" },
    { path: "runtime/process/", holds: "the setup stage: its plan, spawn, messages, hooks, credentials", alsoImports: ["runtime/rootfs/", "runtime/seccomp/"] },
    { path: "runtime/network/", holds: "networking: CNI plugins and their cache, network modes, /etc files, rate limits, the socket policy", alsoImports: ["runtime/durable/"] },
  ],
  [{ path: "runtime/container/", holds: "container operations: create, start, exec, kill, delete, pause, update, events, stats, the limits view" }],
  [
    { path: "runtime/memory/", holds: "the memory core: classes, policy, ladder, actuator, the v1 OOM handler" },
    { path: "runtime/checkpoint/", holds: "checkpoint files, restore, boot-time resume" },
    { path: "image/", holds: "OCI images: the content store, import, pull, unpacking, bundles from images" },
  ],
  [{ path: "runtime/supervisor/", holds: "`bunker daemon`: the service manager (target state, planner, health, logs, watchdog), follows a state root, hosts the memory core" }],
  [{ path: "board/", holds: "board profiles, `board check`, zram, the emulated board lane" }],
  [{ path: "runtime/cli/", holds: "the command line: one thin file per command" }],
  [{ path: "runtime/entry.ts", holds: "the executable's entry: a setup stage or the CLI" }],
  [{ path: "tests/tools/", holds: "repository scripts: schema export, this table" }],
];

/** Folders that must not import each other in either direction (shared helpers go to their common parent). */
export const APART: readonly (readonly [string, string])[] = [["runtime/cgroups/v1/", "runtime/cgroups/v2/"]];

/** The folders the import check reads. */
export const ROOTS = ["ffi", "runtime", "image", "board", "tests/tools"] as const;
