import type { Command } from "../command.ts";
import { flagString } from "../parse.ts";
import { loadDaemonConfig, startDaemon } from "../../supervisor/daemon.ts";

export const command: Command = {
  name: "daemon",
  summary: "supervise the containers of --root: restart policies and the memory core (runs in the foreground)",
  args: "",
  arity: [0, 0],
  flags: [{ name: "config", kind: "string", value: "FILE", help: "daemon configuration (JSON, schema: daemon-config.json)" }],
  description:
    "Each action of the memory core and each exit is printed as one JSON line and kept in <root>/.events/memory.jsonl.\n" +
    "Container policies come from annotations (bunker.memory.class, bunker.restart, ...): see docs/memory.md.",
  async run(g, a) {
    const daemon = startDaemon(g.root, loadDaemonConfig(flagString(a, "config")), (e) => console.log(JSON.stringify(e)), (msg) => console.error(`bunker daemon: ${msg}`), g.journal);
    await new Promise<void>((resolve) => {
      for (const sig of ["SIGTERM", "SIGINT"] as const) process.once(sig, () => resolve());
    });
    await daemon.stop();
    return 0;
  },
};
