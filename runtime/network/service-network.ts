// The service manager's view of networking: a service's network section in the target state (TypeBox, defaults
// filled in), and the annotations it becomes, which `create` reads like any others. One way in for the CLI's flags,
// a bundle's annotations and the target state.
import { Type, type Static } from "@sinclair/typebox";
import { NETWORK_ANNOTATIONS, networkRequest } from "./request.ts";
import { POLICY_ANNOTATIONS } from "./sock-policy.ts";

const Rate = Type.Object(
  {
    rate: Type.String({ description: "Bits per second: 10mbit, 500k, 64000" }),
    burst: Type.Optional(Type.String({ description: "Bytes: 64k (default: 20 ms at the rate, at least 64 KiB)" })),
  },
  { additionalProperties: false },
);

export const ServiceNetwork = Type.Object(
  {
    mode: Type.String({ default: "none", description: "none, host, bridge, or the name of a CNI config list" }),
    ports: Type.Array(Type.String({ description: "[HOST-IP:]HOST-PORT:CONTAINER-PORT[/tcp|/udp]" }), { default: [] }),
    egress: Type.Optional(Rate),
    ingress: Type.Optional(Rate),
    dns: Type.Optional(
      Type.Object(
        {
          nameservers: Type.Optional(Type.Array(Type.String())),
          search: Type.Optional(Type.Array(Type.String())),
          options: Type.Optional(Type.Array(Type.String())),
        },
        { additionalProperties: false },
      ),
    ),
    hosts: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "Extra /etc/hosts entries: name -> address" })),
    policy: Type.Optional(
      Type.Object(
        {
          connect: Type.Optional(Type.Array(Type.String(), { description: "ADDRESS[/PREFIX][:PORTS][/tcp|/udp]; [] allows none" })),
          bind: Type.Optional(Type.Array(Type.String(), { description: "PORTS[/tcp|/udp]; [] allows none" })),
          families: Type.Optional(Type.Array(Type.Union([Type.Literal("inet"), Type.Literal("inet6"), Type.Literal("packet")]))),
          socketTypes: Type.Optional(Type.Array(Type.Union([Type.Literal("stream"), Type.Literal("dgram"), Type.Literal("raw"), Type.Literal("seqpacket")]))),
          mark: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffffffff })),
          priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffffffff })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, description: "The service's network (absent: the bundle's namespaces as they are)" },
);
export type ServiceNetwork = Static<typeof ServiceNetwork>;

const rules = (xs: readonly string[]): string => (xs.length ? xs.join(",") : "none");

/** The annotations a service's network section stands for; checked as `create` will check them. */
export const networkAnnotations = (n: ServiceNetwork): Record<string, string> => {
  const K = NETWORK_ANNOTATIONS;
  const P = POLICY_ANNOTATIONS;
  const p = n.policy;
  const out: Record<string, string> = {
    [K.mode]: n.mode,
    ...(n.ports.length ? { [K.ports]: n.ports.join(",") } : {}),
    ...(n.egress ? { [K.egressRate]: n.egress.rate, ...(n.egress.burst ? { [K.egressBurst]: n.egress.burst } : {}) } : {}),
    ...(n.ingress ? { [K.ingressRate]: n.ingress.rate, ...(n.ingress.burst ? { [K.ingressBurst]: n.ingress.burst } : {}) } : {}),
    ...(n.dns?.nameservers ? { [K.dns]: n.dns.nameservers.join(",") } : {}),
    ...(n.dns?.search ? { [K.dnsSearch]: n.dns.search.join(",") } : {}),
    ...(n.dns?.options ? { [K.dnsOptions]: n.dns.options.join(",") } : {}),
    ...(n.hosts ? { [K.hosts]: Object.entries(n.hosts).map(([name, ip]) => `${name}=${ip}`).join(",") } : {}),
    ...(p?.connect ? { [P.connect]: rules(p.connect) } : {}),
    ...(p?.bind ? { [P.bind]: rules(p.bind) } : {}),
    ...(p?.families ? { [P.families]: p.families.join(",") } : {}),
    ...(p?.socketTypes ? { [P.types]: p.socketTypes.join(",") } : {}),
    ...(p?.mark !== undefined ? { [P.mark]: String(p.mark) } : {}),
    ...(p?.priority !== undefined ? { [P.priority]: String(p.priority) } : {}),
  };
  networkRequest(out);
  return out;
};
