// The `network` field `bunker state` prints beside the OCI state: the mode, the network, the container's addresses,
// its published ports, rate limits and socket policy (in annotation syntax, with the programs' ids).
import { Type, type Static } from "@sinclair/typebox";

export const NetworkView = Type.Object(
  {
    mode: Type.Optional(Type.Union([Type.Literal("none"), Type.Literal("host"), Type.Literal("cni")])),
    network: Type.Optional(Type.String({ description: "The CNI network's name (its config list's)" })),
    addresses: Type.Optional(Type.Array(Type.String({ description: "CIDR" }))),
    ports: Type.Optional(
      Type.Array(Type.Object({ hostPort: Type.Integer(), containerPort: Type.Integer(), protocol: Type.String(), hostIP: Type.Optional(Type.String()) })),
    ),
    bandwidth: Type.Optional(
      Type.Object({
        ingressRate: Type.Optional(Type.Integer({ description: "bits per second" })),
        ingressBurst: Type.Optional(Type.Integer({ description: "bits" })),
        egressRate: Type.Optional(Type.Integer()),
        egressBurst: Type.Optional(Type.Integer()),
      }),
    ),
    policy: Type.Optional(
      Type.Object({
        annotations: Type.Record(Type.String(), Type.String(), { description: "The socket policy's bunker.net.* annotations, as bunker read them" }),
        programs: Type.Optional(Type.Record(Type.String(), Type.Integer(), { description: "hook -> eBPF program id" })),
      }),
    ),
  },
  { $id: "https://bunker.invalid/schemas/network-view.json", title: "bunker state: the network field" },
);
export type NetworkView = Static<typeof NetworkView>;
