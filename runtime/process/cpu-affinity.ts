// process.execCPUAffinity: `initial` pins the setup stage while it works (before it joins the container's cgroup),
// `final` the program after it joined (a cpuset cgroup resets the affinity as a task moves in). Absent or empty: the
// kernel's choice stands.
import type { Syscalls } from "../../ffi/syscalls.ts";

export const applyCpuAffinity = (sys: Pick<Syscalls, "schedSetaffinity">, cpus: readonly number[] | null): void => {
  if (cpus?.length) sys.schedSetaffinity(cpus);
};
