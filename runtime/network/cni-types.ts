// The documents of the CNI specification bunker reads: network configuration lists (from a config directory or the
// default bridge list bunker writes), plugin results and plugin errors. TypeBox schemas, checked where they enter:
// a list when it is loaded, a result or error as a plugin prints it.
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { schemaCheck } from "../durable/schema-check.ts";

/** Versions of the spec whose results have the shape below (1.0.0 dropped "version" from each IP). */
export const CNI_VERSIONS = ["0.3.0", "0.3.1", "0.4.0", "1.0.0"] as const;
/** What bunker writes in its own lists: the newest version Debian's plugins (1.1.1) speak. */
export const CNI_VERSION = "1.0.0";

// Container IDs, network and interface names as the spec allows them (libcni's validation).
const NAME = "^[a-zA-Z0-9][a-zA-Z0-9_.-]*$";

/** One plugin's config: its type, the capabilities it takes, and its own settings (kept as they are). */
export const PluginConfig = Type.Intersect([
  Type.Object({
    type: Type.String({ pattern: NAME, maxLength: 255 }),
    /** Capabilities the plugin takes from the runtime in "runtimeConfig" (portMappings, bandwidth, ...). */
    capabilities: Type.Optional(Type.Record(Type.String(), Type.Boolean())),
  }),
  Type.Record(Type.String(), Type.Unknown()),
]);
export type PluginConfig = Static<typeof PluginConfig>;

export const NetworkConfigList = Type.Object(
  {
    cniVersion: Type.Union(CNI_VERSIONS.map((v) => Type.Literal(v))),
    name: Type.String({ pattern: NAME, maxLength: 255 }),
    disableCheck: Type.Optional(Type.Boolean()),
    plugins: Type.Array(PluginConfig, { minItems: 1, maxItems: 32 }),
  },
  { additionalProperties: true },
);
export type NetworkConfigList = Static<typeof NetworkConfigList>;

const Interface = Type.Object({
  name: Type.String(),
  mac: Type.Optional(Type.String()),
  mtu: Type.Optional(Type.Integer()),
  sandbox: Type.Optional(Type.String()),
});

const IpConfig = Type.Object({
  address: Type.String(),
  gateway: Type.Optional(Type.String()),
  interface: Type.Optional(Type.Integer({ minimum: 0 })),
  version: Type.Optional(Type.String()),
});

const Route = Type.Object({ dst: Type.String(), gw: Type.Optional(Type.String()) });

export const Dns = Type.Object({
  nameservers: Type.Optional(Type.Array(Type.String())),
  domain: Type.Optional(Type.String()),
  search: Type.Optional(Type.Array(Type.String())),
  options: Type.Optional(Type.Array(Type.String())),
});
export type Dns = Static<typeof Dns>;

/** A plugin's result (ADD): the interfaces it made, their addresses, routes and DNS settings. */
export const CniResult = Type.Object({
  cniVersion: Type.String(),
  interfaces: Type.Optional(Type.Array(Interface)),
  ips: Type.Optional(Type.Array(IpConfig)),
  routes: Type.Optional(Type.Array(Route)),
  dns: Type.Optional(Dns),
});
export type CniResult = Static<typeof CniResult>;

/** What a plugin prints on stdout when it fails. */
export const CniErrorDoc = Type.Object({
  cniVersion: Type.Optional(Type.String()),
  code: Type.Integer(),
  msg: Type.String(),
  details: Type.Optional(Type.String()),
});
export type CniErrorDoc = Static<typeof CniErrorDoc>;

/** `value` as `schema` describes it, or an error naming `what` and the first problem's JSON path. */
const decoder = <T extends TSchema>(schema: T) => {
  const check = schemaCheck(schema);
  return (value: unknown, what: string): Static<T> => {
    if (check.Check(value)) return value as Static<T>;
    const first = check.First(value);
    throw new Error(`${what}: ${first ? `${first.path || "/"}: ${first.message}` : "not valid"}`);
  };
};

export const decodeConfigList = decoder(NetworkConfigList);
export const decodeResult = decoder(CniResult);
export const decodeErrorDoc = decoder(CniErrorDoc);

/** JSON text parsed, or an error naming `what` (the text itself is not echoed: it may hold anything). */
export const parseJson = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what}: not valid JSON`);
  }
};
