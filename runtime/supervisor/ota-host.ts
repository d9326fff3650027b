// An update on the device: the service manager (the daemon's, or one made here when no daemon runs), the state
// journal and the documents beside it, the image store and the trust directory, put together for ota-update.ts;
// and what `bunker ota status` reports.
import { Type, type Static } from "@sinclair/typebox";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../durable/atomic-file.ts";
import { hostPlatform } from "../../image/platform.ts";
import type { Progress } from "../../image/progress.ts";
import type { RegistryOptions } from "../../image/registry/client.ts";
import { openLockedJournal } from "../container/journal.ts";
import { OtaState } from "../durable/ota-records.ts";
import type { NetworkEnv } from "../network/env.ts";
import { localServiceManager } from "./local-services.ts";
import { loadTrust } from "./ota-keys.ts";
import { journalOta, lastUpdate, otaDir, otaFiles } from "./ota-journal.ts";
import { storeOtaImages } from "./ota-images.ts";
import { applyUpdate, pendingUpdate, resumeUpdate, type OtaDeps, type OtaResult } from "./ota-update.ts";
import { hostServiceJournal } from "./service-journal.ts";
import type { ServiceManager } from "./service-manager.ts";

export interface OtaHostOptions {
  root: string;
  journal: string | null;
  images: string;
  trust: string;
  /** How to reach the registries; absent: as the update in progress was applied with (credentials are never kept). */
  registry?: UpdateRegistry;
  progress: Progress;
  warn(msg: string): void;
  network?: NetworkEnv;
}

/** What of the registry options an interrupted update keeps for its resumption (no secrets on flash). */
export type UpdateRegistry = Pick<RegistryOptions, "insecure" | "caFile" | "credentials">;

const registryFile = (dir: string): string => join(otaDir(dir), "registry.json");

const registryOf = (o: OtaHostOptions, dir: string): UpdateRegistry => {
  if (o.registry) {
    const kept = { insecure: o.registry.insecure ?? false, ...(o.registry.caFile ? { caFile: o.registry.caFile } : {}) };
    mkdirSync(otaDir(dir), { recursive: true, mode: 0o700 });
    writeFileAtomic(registryFile(dir), JSON.stringify(kept), { durable: true, mode: 0o600 });
    return o.registry;
  }
  try {
    const kept = JSON.parse(readFileSync(registryFile(dir), "utf8")) as { insecure?: unknown; caFile?: unknown };
    return { insecure: kept.insecure === true, ...(typeof kept.caFile === "string" ? { caFile: kept.caFile } : {}) };
  } catch {
    return {};
  }
};

const needJournal = (journal: string | null): string => {
  if (journal === null) throw new Error("An update needs the state journal: --journal none turns it off");
  return journal;
};

export const otaDeps = (o: OtaHostOptions, manager: ServiceManager): OtaDeps => {
  const dir = needJournal(o.journal);
  const targets = hostServiceJournal(dir);
  return {
    services: {
      apply: (document, file) => manager.apply(document, file, { dryRun: false }),
      gate: (service, windowMs) => manager.gate(service, windowMs),
      target: () => targets.recovered().target?.document,
    },
    images: storeOtaImages({ images: o.images, platform: hostPlatform(), registry: registryOf(o, dir), progress: o.progress }),
    journal: journalOta(() => openLockedJournal(dir)),
    files: otaFiles(otaDir(dir)),
    trust: loadTrust(o.trust),
    progress: o.progress,
    now: Date.now,
  };
};

/** `bunker ota apply` without a daemon: a service manager here for the update's length (services keep running). */
export const updateHere = async (o: OtaHostOptions, text: string, file: string): Promise<OtaResult> => {
  needJournal(o.journal);
  const manager = localServiceManager({ root: o.root, journal: o.journal, images: o.images, warn: o.warn, ...(o.network ? { network: o.network } : {}) });
  try {
    return await applyUpdate(otaDeps(o, manager), text, file);
  } finally {
    await manager.close();
  }
};

/** An update the journal shows interrupted, resumed here (`bunker ota resume`, or a boot without a daemon). */
export const resumeHere = async (o: OtaHostOptions): Promise<OtaResult | undefined> => {
  needJournal(o.journal);
  const manager = localServiceManager({ root: o.root, journal: o.journal, images: o.images, warn: o.warn, ...(o.network ? { network: o.network } : {}) });
  try {
    const deps = otaDeps(o, manager);
    if (!pendingUpdate(deps)) return undefined;
    return await resumeUpdate(deps);
  } finally {
    await manager.close();
  }
};

export const OtaStatusSchema = Type.Object(
  {
    /** The last update as the journal holds it (absent: none was ever applied). */
    update: Type.Optional(OtaState),
    /** Whether it is still in progress (a cut left it; the daemon or `bunker ota resume` finishes it). */
    inProgress: Type.Boolean(),
  },
  { $id: "https://bunker.invalid/schemas/ota-status.json", title: "bunker ota status" },
);
export type OtaStatus = Static<typeof OtaStatusSchema>;

export const otaStatus = (journal: string | null): OtaStatus => {
  const last = lastUpdate(needJournal(journal));
  return { ...last, inProgress: last.update !== undefined && last.update.phase !== "done" };
};
