// `pause`: freeze every process of a running container and wait until the kernel reports it frozen.
import { containerCgroup } from "./of-container.ts";

export const pauseContainer = async (root: string, id: string): Promise<void> => {
  await containerCgroup(root, id, ["running"], "pause").cgroup.freeze();
};
