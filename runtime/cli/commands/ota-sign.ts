// `bunker ota sign --key FILE [--expires 30d] [--rollback service|all] [--gate-window 10s] TARGET.json`
import { readFileSync } from "node:fs";
import { OtaPayloadSchema } from "../../supervisor/ota-document.ts";
import { signPayload } from "../../supervisor/ota-keys.ts";
import { decode } from "../../spec/validate.ts";
import { parseDuration } from "../../units.ts";
import { UsageError } from "../command.ts";
import { flagString } from "../parse.ts";
import type { Subcommand } from "../subcommands.ts";

export const subcommand: Omit<Subcommand, "summary"> = {
  args: "<target.json|->",
  arity: [1, 1],
  flags: [
    { name: "key", kind: "string", value: "FILE", help: "private key (PEM, from 'bunker ota keygen')" },
    { name: "expires", kind: "string", value: "DURATION|ISO", help: "when the update stops being accepted (default 30d)" },
    { name: "rollback", kind: "string", value: "service|all", help: "a failing gate rolls back that service alone (default) or all switched ones" },
    { name: "gate-window", kind: "string", value: "DURATION", help: "how long a switched service without a health check must keep running (default 10s)" },
  ],
  description: "Prints the signed document (an envelope with the payload's exact bytes) on stdout. The target's version must be\nnumbers separated by dots, above the version installed on the devices.",
  async run(_g, a) {
    const keyFile = flagString(a, "key");
    if (!keyFile) throw new UsageError("'ota sign' needs --key FILE");
    const file = a.positional[0]!;
    const target = JSON.parse(file === "-" ? await Bun.stdin.text() : readFileSync(file, "utf8")) as unknown;
    const expires = flagString(a, "expires") ?? "30d";
    const at = /^\d+d$/.test(expires) ? new Date(Date.now() + Number(expires.slice(0, -1)) * 86_400_000) : /^[\d.]+(ms|s|m|h)$/.test(expires) ? new Date(Date.now() + parseDuration(expires)) : new Date(expires);
    if (Number.isNaN(at.getTime())) throw new UsageError(`--expires: '${expires}' is neither a duration (30d, 12h) nor an ISO time`);
    const payload = decode(OtaPayloadSchema, { target, expires: at.toISOString(), rollback: flagString(a, "rollback") ?? "service", gate: { window: flagString(a, "gate-window") ?? "10s" } }, "update payload");
    console.log(JSON.stringify(signPayload(new TextEncoder().encode(JSON.stringify(payload)), readFileSync(keyFile), keyFile)));
    return 0;
  },
};
