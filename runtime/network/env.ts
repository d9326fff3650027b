// Where bunker's networking lives on the machine: its own directory (the result cache, host-local's leases, the
// default bridge list), the CNI config directory named networks come from, and the CNI plugin path.

export interface NetworkEnv {
  /** Survives reboots: the result cache must, for DEL after a power cut (and host-local keeps leases here). */
  dir: string;
  /** Named networks: *.conflist, *.json and *.conf files, as libcni reads them. */
  configDir: string;
  /** CNI_PATH. */
  cniPath: string[];
}

export const DEFAULT_NETWORK_ENV: NetworkEnv = {
  dir: "/var/lib/bunker/network",
  configDir: "/etc/cni/net.d",
  // Debian's containernetworking-plugins, then the upstream release's place.
  cniPath: ["/usr/lib/cni", "/opt/cni/bin"],
};

/** The interface bunker asks CNI for in every container. */
export const CONTAINER_IFNAME = "eth0";
