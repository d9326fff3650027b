// `bunker ota keygen [--type ed25519|p256] PREFIX`: PREFIX.key (mode 0600) and PREFIX.pub; prints the key id.
import { existsSync, writeFileSync } from "node:fs";
import { generateKey } from "../../supervisor/ota-keys.ts";
import { UsageError } from "../command.ts";
import { flagString } from "../parse.ts";
import type { Subcommand } from "../subcommands.ts";

export const subcommand: Omit<Subcommand, "summary"> = {
  args: "<prefix>",
  arity: [1, 1],
  flags: [
    { name: "type", kind: "string", value: "ed25519|p256", help: "key type (default ed25519)" },
    { name: "json", kind: "bool", help: "print the key id and paths as JSON" },
  ],
  description: "Copy PREFIX.pub into the devices' trust directory (/etc/bunker/trust/); keep PREFIX.key with the pipeline.",
  run(g, a) {
    const type = flagString(a, "type") ?? "ed25519";
    if (type !== "ed25519" && type !== "p256") throw new UsageError(`--type: '${type}' is not ed25519 or p256`);
    const prefix = a.positional[0]!;
    const paths = { key: `${prefix}.key`, pub: `${prefix}.pub` };
    for (const p of Object.values(paths)) if (existsSync(p)) throw new Error(`Key file '${p}' exists already: not replaced`);
    const k = generateKey(type);
    writeFileSync(paths.key, k.privatePem, { mode: 0o600, flag: "wx" });
    writeFileSync(paths.pub, k.publicPem, { mode: 0o644, flag: "wx" });
    console.log(g.json ? JSON.stringify({ keyid: k.keyid, type, ...paths }) : `${k.keyid} ${paths.key} ${paths.pub}`);
    return 0;
  },
};
