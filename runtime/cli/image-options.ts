// What the image subcommands share: opening the store (waiting, and saying so, while another bunker holds it),
// the platform flag, the registry flags of pull and verify --repair.
import { ImageStore } from "../../image/store/store.ts";
import { hostPlatform, parsePlatform, type PlatformWant } from "../../image/platform.ts";
import { credentialsFromFile, parseUserFlag } from "../../image/registry/credentials.ts";
import type { RegistryOptions } from "../../image/registry/client.ts";
import { parseReference, registryHost } from "../../image/reference.ts";
import type { FlagSpec, GlobalOptions, ParsedArgs } from "./command.ts";
import { flagBool, flagString } from "./parse.ts";

/** What the user sees while another bunker holds the store. */
export const openStoreWaitNote = (g: GlobalOptions) => (): void => void process.stderr.write(`bunker: waiting for another bunker that is changing the image store '${g.images}'\n`);

export const openStore = (g: GlobalOptions, opts: { readOnly?: boolean } = {}): ImageStore => ImageStore.open(g.images, { readOnly: opts.readOnly, onWait: openStoreWaitNote(g) });

export const PLATFORM_FLAG: FlagSpec = { name: "platform", kind: "string", value: "OS/ARCH[/VARIANT]", help: "platform to take from a multi-platform image (default: this machine's)" };

export const platformOption = (a: ParsedArgs): PlatformWant => {
  const p = flagString(a, "platform");
  return p === undefined ? hostPlatform() : parsePlatform(p);
};

export const REGISTRY_FLAGS: FlagSpec[] = [
  { name: "insecure", kind: "bool", help: "talk plain HTTP to the registry" },
  { name: "ca-file", kind: "string", value: "FILE", help: "trust the CA certificates in FILE (PEM) for the registry's TLS" },
  { name: "user", kind: "string", value: "USER:PASSWORD", help: "credentials for the registry (Basic, or for its token server)" },
  { name: "auth-file", kind: "string", value: "FILE", help: "credentials from a Docker config.json-style file (auths.<host>.auth)" },
];

export const registryOptions = (a: ParsedArgs, ref: string): RegistryOptions => {
  const user = flagString(a, "user");
  const authFile = flagString(a, "auth-file");
  const credentials = user !== undefined ? parseUserFlag(user) : authFile !== undefined ? credentialsFromFile(authFile, registryHost(parseReference(ref).host)) : undefined;
  return { insecure: flagBool(a, "insecure"), caFile: flagString(a, "ca-file"), credentials };
};

export const JSON_FLAG: FlagSpec = { name: "json", kind: "bool", help: "print JSON (long steps: JSON lines of progress events, the result last)" };
