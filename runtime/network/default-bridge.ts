// The config list behind `--network bridge`, written by bunker into its network directory the first time it is
// needed (and read from there afterwards, so an administrator may edit it): a Linux bridge with the host as gateway,
// one /24 subnet from host-local, published ports through portmap, rate limits through bandwidth. Masquerade is off:
// a board's containers talk to the board and its local network, not through it (set "ipMasq": true to change that).
import { join } from "node:path";
import { CNI_VERSION, type NetworkConfigList } from "./cni-types.ts";

export const BRIDGE_MODE = "bridge";
/** The list's name, which CNI plugins key their state by. */
export const BRIDGE_NETWORK = "bunker";
export const BRIDGE_DEVICE = "bunker0";
export const BRIDGE_SUBNET = "10.87.0.0/24";

export const bridgeListPath = (networkDir: string): string => join(networkDir, "bridge.conflist");

export const defaultBridgeList = (networkDir: string): NetworkConfigList => ({
  cniVersion: CNI_VERSION,
  name: BRIDGE_NETWORK,
  plugins: [
    {
      type: "bridge",
      bridge: BRIDGE_DEVICE,
      isGateway: true,
      ipMasq: false,
      hairpinMode: true,
      ipam: {
        type: "host-local",
        ranges: [[{ subnet: BRIDGE_SUBNET }]],
        routes: [{ dst: "0.0.0.0/0" }],
        dataDir: join(networkDir, "ipam"),
      },
    },
    { type: "portmap", capabilities: { portMappings: true }, snat: true },
    { type: "bandwidth", capabilities: { bandwidth: true } },
  ],
});
