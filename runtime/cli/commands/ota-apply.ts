// `bunker ota apply FILE|URL [--trust DIR] [--insecure] [--ca-file F] [--json]`
import { askDaemon, controlSocketPath } from "../../supervisor/control-socket.ts";
import { updateHere } from "../../supervisor/ota-host.ts";
import type { OtaResult } from "../../supervisor/ota-update.ts";
import { JSON_FLAG, REGISTRY_FLAGS } from "../image-options.ts";
import { printUpdate, TRUST_FLAG, trustDir, updateExit } from "../ota-options.ts";
import { flagBool, flagString } from "../parse.ts";
import { progressFor } from "../progress.ts";
import { warn } from "../report.ts";
import type { Subcommand } from "../subcommands.ts";

/** A signed update is small (a target state and its signature): more is not one. */
const MAX_UPDATE_BYTES = 96 * 1024;

/** The whole of `stream`, refused as soon as it passes the bound: a hostile source (a server without a length, a
 * pipe) never makes bunker hold more than a signed update. */
const boundedText = async (stream: ReadableStream<Uint8Array>, source: string): Promise<string> => {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > MAX_UPDATE_BYTES) throw new Error(`Update '${source}': more than a signed update (${MAX_UPDATE_BYTES} bytes)`);
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
};

const readUpdate = async (source: string): Promise<string> => {
  try {
    if (/^https?:\/\//.test(source)) {
      const res = await fetch(source, { redirect: "follow" });
      if (!res.ok) throw new Error(`the server answered ${res.status} ${res.statusText}`);
      return await boundedText(res.body ?? new Response("").body!, source);
    }
    return await boundedText((source === "-" ? Bun.stdin : Bun.file(source)).stream(), source);
  } catch (cause) {
    throw new Error(`Cannot read the update '${source}'`, { cause });
  }
};

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
    const document = await readUpdate(source);
    const registry = { insecure: flagBool(a, "insecure"), ...(flagString(a, "ca-file") ? { caFile: flagString(a, "ca-file")! } : {}) };
    const reply = await askDaemon(controlSocketPath(g.root), { op: "ota-apply", document, file: source, registry });
    let r: OtaResult;
    if (reply === undefined)
      r = await updateHere({ root: g.root, journal: g.journal, images: g.images, network: g.network, trust: trustDir(a), registry, progress: progressFor(g), warn: (m) => warn(g, m) }, document, source);
    else if (!reply.ok) throw new Error(reply.error);
    else r = reply.result as OtaResult;
    printUpdate(g, r);
    return updateExit(r.state);
  },
};
