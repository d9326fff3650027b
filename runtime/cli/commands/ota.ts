// `bunker ota <subcommand>`: signed over-the-air updates of the service set (docs/ota.md).
import { withSubcommands } from "../subcommands.ts";

export const command = withSubcommands("ota", "signed updates of the service set: apply, status, resume, sign, keygen", {
  apply: { summary: "apply a signed update: verify, space budget, download, stage, switch, health gate, commit or roll back", load: async () => (await import("./ota-apply.ts")).subcommand },
  status: { summary: "the last update: version, phase, each service's outcome and the reason of each rollback", load: async () => (await import("./ota-status.ts")).subcommand },
  resume: { summary: "finish an update a power cut interrupted (the daemon does it when it starts)", load: async () => (await import("./ota-resume.ts")).subcommand },
  sign: { summary: "sign a target state as an update (for pipelines): prints the signed document", load: async () => (await import("./ota-sign.ts")).subcommand },
  keygen: { summary: "make a signing key pair (ed25519 or ECDSA P-256): PREFIX.key and PREFIX.pub", load: async () => (await import("./ota-keygen.ts")).subcommand },
});
