// Where the container's cgroup goes in one hierarchy, decided like runc's cgroupfs driver:
// - an absolute linux.cgroupsPath is taken as is, in every hierarchy;
// - a relative one (and the default, which is the container id) goes below the caller's own cgroup of that hierarchy;
//   on cgroup v2 below the parent of the caller's cgroup, because the caller's cgroup holds processes and so cannot
//   hand controllers down to a child (the "no internal processes" rule).
import { posix } from "node:path";

export const resolveCgroupPath = (cgroupsPath: string | undefined, id: string, own: string, unified: boolean): string => {
  const wanted = cgroupsPath || id;
  if (!wanted || wanted.split("/").some((part) => part === "..")) {
    throw new Error(`Resolving linux.cgroupsPath '${wanted}': must be non-empty and must not contain '..'`);
  }
  const trim = (p: string): string => (p.length > 1 ? p.replace(/\/+$/, "") : p);
  if (wanted.startsWith("/")) return trim(posix.normalize(wanted));
  return trim(posix.join(unified ? posix.dirname(own) : own, wanted));
};
