// The signed update document: an envelope (as DSSE has it) whose payload is the exact bytes that were signed, so no
// canonical JSON is needed; the payload is the service manager's target state plus when the update expires and how
// a failing gate is rolled back. Images are pinned by digest inside the target, so the signature covers every byte
// that will run. Checked where it enters: schema, signature by a trusted key, expiry, a version above the installed.
import { Type, type Static } from "@sinclair/typebox";
import { decode } from "../spec/validate.ts";
import { InvalidDocumentError, parseJson } from "../spec/json-text.ts";
import { DURATION_PATTERN } from "../units.ts";
import { parseTarget, type DecodedTarget } from "./target-state.ts";

export const OTA_PAYLOAD_TYPE = "application/vnd.bunker.ota.v1+json";

/** Versions are ordered: dot-separated numbers, compared number by number ("2026.12.10" > "2026.12.9"). */
export const OTA_VERSION_PATTERN = "^[0-9]{1,9}(\\.[0-9]{1,9}){0,5}$";

export const OtaEnvelopeSchema = Type.Object(
  {
    payloadType: Type.Literal(OTA_PAYLOAD_TYPE),
    /** Base64 of the signed bytes: an OtaPayload as JSON. */
    payload: Type.String({ maxLength: 64 * 1024, pattern: "^[A-Za-z0-9+/]*={0,2}$" }),
    signatures: Type.Array(
      Type.Object(
        {
          keyid: Type.String({ pattern: "^sha256:[0-9a-f]{64}$", description: "sha256 of the public key (SPKI DER)" }),
          sig: Type.String({ maxLength: 1024, pattern: "^[A-Za-z0-9+/]*={0,2}$", description: "Base64 signature of the payload bytes (ed25519, or ECDSA P-256 with SHA-256, DER)" }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 8 },
    ),
  },
  { $id: "https://bunker.invalid/schemas/ota-envelope.json", title: "bunker signed update (envelope)", additionalProperties: false },
);
export type OtaEnvelope = Static<typeof OtaEnvelopeSchema>;

export const OtaPayloadSchema = Type.Object(
  {
    /** The service manager's document (docs/schemas/target-state.schema.json); its version must match OTA_VERSION_PATTERN. */
    target: Type.Unknown(),
    expires: Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$", maxLength: 64, description: "ISO time after which the update is refused" }),
    rollback: Type.Union([Type.Literal("service"), Type.Literal("all")], {
      default: "service",
      description: "A service failing its gate: only it goes back to its last-known-good spec, or the whole set does",
    }),
    gate: Type.Object(
      { window: Type.String({ pattern: DURATION_PATTERN, default: "10s", description: "How long a switched service without a health check must keep running" }) },
      { additionalProperties: false, default: {} },
    ),
  },
  { $id: "https://bunker.invalid/schemas/ota-payload.json", title: "bunker signed update (payload)", additionalProperties: false },
);
export type OtaPayload = Static<typeof OtaPayloadSchema>;

export interface CheckedUpdate {
  payload: OtaPayload;
  /** The target document as text, as the service manager journals it. */
  document: string;
  decoded: DecodedTarget;
  version: string;
  keyid: string;
}

/** -1, 0, 1 as `a` is below, equal to or above `b` (both OTA versions; a shorter prefix is below). */
export const compareVersions = (a: string, b: string): number => {
  const x = a.split(".").map(Number);
  const y = b.split(".").map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d) return Math.sign(d);
  }
  return 0;
};

export const parseEnvelope = (text: string, file: string): OtaEnvelope => decode(OtaEnvelopeSchema, parseJson(text, file), file);

/** Decodes the signed payload (call only after its signature was checked): the target state inside it is checked too. */
export const decodePayload = (bytes: Uint8Array, file: string, keyid: string): CheckedUpdate => {
  const what = `${file} (signed payload)`;
  const payload = decode(OtaPayloadSchema, parseJson(Buffer.from(bytes).toString("utf8"), what), what);
  const document = JSON.stringify(payload.target);
  const decoded = parseTarget(document, `${file} /target`);
  const version = decoded.target.version;
  if (!new RegExp(OTA_VERSION_PATTERN).test(version))
    throw new InvalidDocumentError(what, "/target/version", `'${version.slice(0, 128)}' is not an update version (numbers separated by dots, e.g. 2026.12.1)`);
  return { payload, document, decoded, version, keyid };
};
