// runc's `pause` and `resume ID`: freeze every process of a running container and wait until the kernel reports it
// frozen; thaw a paused one.
import { containerCgroup } from "./container-cgroup.ts";

export const pauseContainer = async (root: string, id: string): Promise<void> => {
  await containerCgroup(root, id, ["running"], "pause").cgroup.freeze();
};

export const thawContainer = async (root: string, id: string): Promise<void> => {
  await containerCgroup(root, id, ["paused"], "resume").cgroup.thaw();
};
