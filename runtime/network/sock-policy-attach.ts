// Puts a container's socket policy on its cgroup v2 directory: for each hook, the policy's program in place of what
// was there (an update replaces it atomically), or nothing where the policy leaves the hook alone. The programs stay
// attached as long as the cgroup exists, whoever started them: a daemon that restarts finds them by id.
import { encodeInsns } from "../bpf/asm.ts";
import { hostCgroupPrograms, type CgroupPrograms } from "../bpf/cgroup-program.ts";
import { POLICY_HOOKS, POLICY_LICENSE, type PolicyHook } from "./sock-policy-program.ts";
import type { SockPolicy } from "./sock-policy.ts";

/** Program id per hook name. */
export type PolicyPrograms = Partial<Record<PolicyHook["name"], number>>;

export const applySockPolicy = (dir: string, policy: SockPolicy, bpf: CgroupPrograms = hostCgroupPrograms): PolicyPrograms => {
  const ids: PolicyPrograms = {};
  for (const hook of POLICY_HOOKS) {
    const insns = hook.insns(policy);
    try {
      if (insns) {
        const name = `bunker_${hook.name.replace("-", "_")}`;
        ids[hook.name] = bpf.replace(dir, { type: hook.progType, expectedAttachType: hook.attachType, insns: encodeInsns(insns), license: POLICY_LICENSE, name });
      } else {
        bpf.detach(dir, hook.attachType);
      }
    } catch (err) {
      throw new Error(`Attaching the socket policy's ${hook.name} program to '${dir}'`, { cause: err });
    }
  }
  return ids;
};

/** The hooks whose program is not the one `ids` names (detached by someone, or the cgroup re-made). */
export const missingPolicyPrograms = (dir: string, ids: PolicyPrograms, bpf: CgroupPrograms = hostCgroupPrograms): PolicyHook["name"][] =>
  POLICY_HOOKS.filter((h) => ids[h.name] !== undefined && !bpf.attached(dir, h.attachType).some((p) => p.id === ids[h.name])).map((h) => h.name);
