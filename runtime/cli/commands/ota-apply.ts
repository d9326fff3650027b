// `bunker ota apply FILE|URL [--trust DIR] [--insecure] [--ca-file F] [--json]`
import { daemonOrHere } from "../daemon-or-here.ts";
import { updateHere } from "../../supervisor/ota-host.ts";
import { readDocument, type DocumentSource } from "../document.ts";
import type { OtaResult } from "../../supervisor/ota-update.ts";
import { JSON_FLAG, REGISTRY_FLAGS } from "../image-options.ts";
import { printUpdate, TRUST_FLAG, trustDir, updateExit } from "../ota-options.ts";
import { flagBool, flagString } from "../parse.ts";
import { progressFor } from "../progress.ts";
import { warn } from "../report.ts";
import type { Subcommand } from "../subcommands.ts";

/** A signed update is small (a target state and its signature): more is not one. */
const UPDATE: DocumentSource = { what: "the update", maxBytes: 96 * 1024, urls: true };

export const subcommand: Omit<Subcommand, "summary"> = {
  args: "<file|url|->",
  arity: [1, 1],
  flags: [TRUST_FLAG, ...REGISTRY_FLAGS.filter((f) => f.name === "insecure" || f.name === "ca-file"), JSON_FLAG],
  description:
    "The signed document (docs/ota.md; schemas ota-envelope and ota-payload) is refused before anything is downloaded when\n" +
    "it is unsigned, signed by a key not in the trust directory, expired, or not above the installed version. Then: the\n" +
    "space budget of the new images, their download (resumable), staging, the switch by the service manager (unchanged\n" +
    "services are never touched), the health gate of each switched service, and commit, or rollback of the failing\n" +
    "services (all of them with rollback: all) to their last-known-good spec. Hands it to the daemon when one runs.\n" +
    "Exit 0: committed; 1: refused, or anything rolled back (the report says what and why).",
  async run(g, a) {
    const source = a.positional[0]!;
    const document = await readDocument(source, UPDATE);
    const registry = { insecure: flagBool(a, "insecure"), ...(flagString(a, "ca-file") ? { caFile: flagString(a, "ca-file")! } : {}) };
    const { result: r } = await daemonOrHere<OtaResult>(g.root, { op: "ota-apply", document, file: source, registry }, () =>
      updateHere({ root: g.root, journal: g.journal, images: g.images, network: g.network, trust: trustDir(a), registry, progress: progressFor(g), warn: (m) => warn(g, m) }, document, source),
    );
    printUpdate(g, r);
    return updateExit(r.state);
  },
};
