// What a container's record keeps of its network: facts bunker made (the namespace pin, the cache entry, the
// addresses CNI gave, the policy's programs), so that delete, update and the daemon find them again. What was asked
// for stays in the annotations.
import { Type, type Static } from "@sinclair/typebox";

export const NetworkState = Type.Object({
  /** Absent: the config's namespaces as they were (only a socket policy was asked for). */
  mode: Type.Optional(Type.Union([Type.Literal("none"), Type.Literal("host"), Type.Literal("cni")])),
  /** The CNI network (its config list's name). */
  network: Type.Optional(Type.String()),
  ifName: Type.Optional(Type.String()),
  /** The file the container's network namespace is bind-mounted on. */
  netns: Type.Optional(Type.String()),
  /** The CNI cache entry of the attachment. */
  cache: Type.Optional(Type.String()),
  /** Where /etc/hostname, /etc/hosts and /etc/resolv.conf are rendered. */
  etc: Type.Optional(Type.String()),
  addresses: Type.Optional(Type.Array(Type.String())),
  /** The socket policy's programs: the cgroup v2 directory and each hook's program id. */
  policy: Type.Optional(Type.Object({ dir: Type.String(), programs: Type.Record(Type.String(), Type.Integer()) })),
});
export type NetworkState = Static<typeof NetworkState>;
