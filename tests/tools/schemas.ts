// `npm run schemas`: writes the JSON Schemas of every document bunker reads or prints to docs/schemas/: config.json,
// the state JSON, the features document, `events` lines, `stats --json` rows, the state journal's device state, the
// memory policy annotations, memory core events, the daemon's config, `board check --json`, board profiles, the
// image documents bunker reads (index, manifest, config, docker-archive manifest.json), what `image` prints, the
// service manager's target state and `bunker status --json`.
import { Type, type TSchema } from "@sinclair/typebox";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigSchema } from "../../runtime/spec/config.ts";
import { FeaturesSchema } from "../../runtime/spec/features.ts";
import { StateSchema } from "../../runtime/spec/state.ts";
import { CheckReportSchema } from "../../board/check/report.ts";
import { BoardProfileSchema } from "../../board/profile.ts";
import { EventSchema } from "../../runtime/cli/commands/events.ts";
import { StatsLineSchema } from "../../runtime/container/stats.ts";
import { DeviceState } from "../../runtime/durable/lifecycle.ts";
import { MemoryEventSchema } from "../../runtime/memory/event-log.ts";
import { MemoryAnnotationsSchema } from "../../runtime/memory/policy.ts";
import { DaemonConfigSchema } from "../../runtime/supervisor/daemon.ts";
import { ArchiveManifest, ImageConfig, ImageIndex, ImageManifest } from "../../image/documents.ts";
import { GcReport, ImportResult, PullResult, VerifyResult } from "../../image/results.ts";
import { ImageDetails, ImageSummary } from "../../image/store/summary.ts";
import { ProgressEventSchema } from "../../runtime/cli/progress.ts";
import { DeviceStatusSchema } from "../../runtime/supervisor/status.ts";
import { TargetStateSchema } from "../../runtime/supervisor/target-state.ts";
import { CacheEntry } from "../../runtime/network/cache.ts";
import { CniResult, NetworkConfigList } from "../../runtime/network/cni-types.ts";
import { NetworkView } from "../../runtime/network/view.ts";
import { OtaEnvelopeSchema, OtaPayloadSchema } from "../../runtime/supervisor/ota-document.ts";
import { OtaStatusSchema } from "../../runtime/supervisor/ota-host.ts";

export const SCHEMA_DIR = join(import.meta.dir, "../../docs/schemas");

/**
 * A property with a default is required in the TypeBox schema (so the static type has it after Value.Default) but
 * optional in the document a user writes; the exported schema describes that document.
 */
const asWritten = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(asWritten);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = asWritten(v);
  const props = out.properties as Record<string, object> | undefined;
  if (props && Array.isArray(out.required)) {
    out.required = out.required.filter((k: string) => !("default" in (props[k] ?? {})));
    if ((out.required as string[]).length === 0) delete out.required;
  }
  return out;
};

export const document = (schema: TSchema): string =>
  `${JSON.stringify({ $schema: "http://json-schema.org/draft-07/schema#", ...(asWritten(schema) as object) }, null, 2)}\n`;

/** File name in docs/schemas -> its content. */
export const schemaDocuments = (): Record<string, string> => ({
  "config.schema.json": document(ConfigSchema),
  "state.schema.json": document(StateSchema),
  "features.schema.json": document(FeaturesSchema),
  "events.schema.json": document(EventSchema),
  "stats.schema.json": document(StatsLineSchema),
  "device-state.schema.json": document(DeviceState),
  "memory-annotations.schema.json": document(MemoryAnnotationsSchema),
  "memory-event.schema.json": document(MemoryEventSchema),
  "daemon-config.schema.json": document(DaemonConfigSchema),
  "board-check.schema.json": document(CheckReportSchema),
  "board-profile.schema.json": document(BoardProfileSchema),
  "cni-config-list.schema.json": document(NetworkConfigList),
  "cni-result.schema.json": document(CniResult),
  "network-cache.schema.json": document(CacheEntry),
  "network-view.schema.json": document(NetworkView),
  "image-index.schema.json": document(ImageIndex),
  "image-manifest.schema.json": document(ImageManifest),
  "image-config.schema.json": document(ImageConfig),
  "docker-archive-manifest.schema.json": document(ArchiveManifest),
  "image-ls.schema.json": document(Type.Array(ImageSummary)),
  "image-inspect.schema.json": document(ImageDetails),
  "image-import.schema.json": document(ImportResult),
  "image-pull.schema.json": document(PullResult),
  "image-gc.schema.json": document(GcReport),
  "image-verify.schema.json": document(VerifyResult),
  "image-progress.schema.json": document(ProgressEventSchema),
  "target-state.schema.json": document(TargetStateSchema),
  "status.schema.json": document(DeviceStatusSchema),
  "ota-envelope.schema.json": document(OtaEnvelopeSchema),
  "ota-payload.schema.json": document(OtaPayloadSchema),
  "ota-status.schema.json": document(OtaStatusSchema),
});

export const writeSchemaDocuments = (docs: Record<string, string>): void => {
  mkdirSync(SCHEMA_DIR, { recursive: true });
  for (const [name, text] of Object.entries(docs)) {
    writeFileSync(join(SCHEMA_DIR, name), text);
    console.log(`docs/schemas/${name}`);
  }
};

if (import.meta.main) writeSchemaDocuments(schemaDocuments());
