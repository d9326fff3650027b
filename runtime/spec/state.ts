// The OCI state JSON (runtime-spec 1.2 "State"): what `bunker state` prints and hooks read on stdin.
import { Type, type Static } from "@sinclair/typebox";

/** The spec's four statuses plus runc's "paused" (a frozen cgroup), which engines such as containerd expect. */
export const CONTAINER_STATUSES = ["creating", "created", "running", "paused", "stopped"] as const;
export type ContainerStatus = (typeof CONTAINER_STATUSES)[number];

export const StateSchema = Type.Object(
  {
    ociVersion: Type.String(),
    id: Type.String({ minLength: 1 }),
    status: Type.Union(CONTAINER_STATUSES.map((s) => Type.Literal(s))),
    /** The container's init process as the host sees it; absent once it is stopped. */
    pid: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Absolute path of the bundle. */
    bundle: Type.String(),
    annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { $id: "https://bunker.invalid/schemas/state.json", title: "OCI container state (bunker)" },
);
export type State = Static<typeof StateSchema>;
