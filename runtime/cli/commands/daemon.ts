import type { Command } from "../command.ts";
import { flagBool, flagString } from "../parse.ts";
import { DEFAULT_WATCHDOG_TIMEOUT_S, loadDaemonConfig, startDaemon } from "../../supervisor/daemon.ts";

export const command: Command = {
  name: "daemon",
  summary: "supervise --root: the target state's services, restart policies, the memory core (runs in the foreground)",
  args: "",
  arity: [0, 0],
  flags: [
    { name: "config", kind: "string", value: "FILE", help: "daemon configuration (JSON, schema: daemon-config.json)" },
    { name: "watchdog", kind: "string", value: "DEVICE", help: "arm this hardware watchdog (e.g. /dev/watchdog); overrides the configuration's" },
    { name: "trust", kind: "string", value: "DIR", help: "public keys trusted to sign updates ('bunker ota apply'; default /etc/bunker/trust)" },
    { name: "keep-services", kind: "bool", help: "on SIGTERM, exit and leave the services running (a new daemon re-adopts them)" },
  ],
  description:
    "Applies the journaled target state (see 'bunker apply') and keeps it: dependency order, restarts, health checks,\n" +
    "logs ('bunker logs'), status ('bunker status'); serves <root>/.daemon.sock. SIGTERM or SIGINT stop the services in\n" +
    "reverse dependency order, then the daemon (the device shuts down). Plain containers of the root keep running.\n" +
    "Each event is printed as one JSON line and kept in <root>/.events/{memory,services}.jsonl.\n" +
    "Container policies come from annotations (bunker.memory.class, bunker.restart, ...): see docs/memory.md and\n" +
    "docs/services.md. Under systemd (Type=notify) it says READY=1, WATCHDOG=1 at half WatchdogSec= and STOPPING=1.",
  async run(g, a) {
    const config = loadDaemonConfig(flagString(a, "config"));
    const device = flagString(a, "watchdog");
    if (device) config.watchdog = { timeoutS: DEFAULT_WATCHDOG_TIMEOUT_S, ...config.watchdog, device };
    const daemon = await startDaemon({
      root: g.root, journal: g.journal, config, images: g.images, network: g.network, ...(flagString(a, "trust") ? { trust: flagString(a, "trust")! } : {}),
      print: (e) => console.log(JSON.stringify(e)),
      warn: (msg) => console.error(`bunker daemon: ${msg}`),
    });
    await new Promise<void>((resolve) => {
      for (const sig of ["SIGTERM", "SIGINT"] as const) process.once(sig, () => resolve());
    });
    await daemon.stop(flagBool(a, "keep-services") ? "keep" : "stop");
    return 0;
  },
};
