// The keys of signed updates, with Bun's crypto only: ed25519 or ECDSA P-256 with SHA-256. A key is named by the
// sha256 of its public key (SPKI DER); a trust directory (/etc/bunker/trust/) holds the public keys as PEM files.
// Signing and key generation are here for pipelines (`bunker ota sign`, `bunker ota keygen`).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describeError } from "../errors.ts";
import { OTA_PAYLOAD_TYPE, type OtaEnvelope } from "./ota-document.ts";

export const DEFAULT_TRUST_DIR = "/etc/bunker/trust";

export type KeyType = "ed25519" | "p256";

/** One trust file at most this big: a PEM public key is a few hundred bytes. */
const MAX_KEY_FILE = 16 * 1024;

export const keyIdOf = (key: KeyObject): string =>
  `sha256:${createHash("sha256").update((key.type === "public" ? key : createPublicKey(key)).export({ type: "spki", format: "der" })).digest("hex")}`;

const checkType = (key: KeyObject, where: string): void => {
  const t = key.asymmetricKeyType;
  if (t === "ed25519") return;
  if (t === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return;
  throw new Error(`Key '${where}': ${t === "ec" ? `curve ${key.asymmetricKeyDetails?.namedCurve}` : t} is not accepted (ed25519 or ECDSA P-256)`);
};

/** ed25519 signs the message itself; ECDSA signs its SHA-256. */
const digestFor = (key: KeyObject): string | null => (key.asymmetricKeyType === "ed25519" ? null : "sha256");

/** The trusted public keys of `dir` (every *.pub and *.pem), by key id. A missing directory trusts nothing. */
export const loadTrust = (dir: string): Map<string, KeyObject> => {
  const keys = new Map<string, KeyObject>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return keys;
    throw new Error(`Read the trust directory '${dir}'`, { cause: err });
  }
  for (const name of names.filter((n) => n.endsWith(".pub") || n.endsWith(".pem")).sort()) {
    const path = join(dir, name);
    let key: KeyObject;
    try {
      const text = readFileSync(path);
      if (text.length > MAX_KEY_FILE) throw new Error(`${text.length} bytes, more than a public key`);
      key = createPublicKey(text);
    } catch (err) {
      throw new Error(`Trust key '${path}': ${describeError(err)}`);
    }
    checkType(key, path);
    keys.set(keyIdOf(key), key);
  }
  return keys;
};

/** The payload bytes, once one signature on them is by a trusted key; the key id that signed. */
export const verifyEnvelope = (env: OtaEnvelope, trust: ReadonlyMap<string, KeyObject>, file: string): { bytes: Uint8Array; keyid: string } => {
  const bytes = Buffer.from(env.payload, "base64");
  const known = env.signatures.filter((s) => trust.has(s.keyid));
  if (!known.length) throw new Error(`Refused ${file}: signed by ${env.signatures.map((s) => s.keyid).join(", ")}, no key of the trust directory`);
  for (const s of known) {
    const key = trust.get(s.keyid)!;
    if (verify(digestFor(key), bytes, key, Buffer.from(s.sig, "base64"))) return { bytes, keyid: s.keyid };
  }
  throw new Error(`Refused ${file}: the signature by ${known[0]!.keyid} does not match its payload`);
};

/** Signs `payload` (the JSON bytes of an OtaPayload) with a PEM private key. */
export const signPayload = (payload: Uint8Array, privatePem: string | Uint8Array, where: string): OtaEnvelope => {
  let key: KeyObject;
  try {
    key = createPrivateKey(typeof privatePem === "string" ? privatePem : Buffer.from(privatePem));
  } catch (err) {
    throw new Error(`Signing key '${where}': ${describeError(err)}`);
  }
  checkType(key, where);
  const sig = sign(digestFor(key), payload, key);
  return { payloadType: OTA_PAYLOAD_TYPE, payload: Buffer.from(payload).toString("base64"), signatures: [{ keyid: keyIdOf(key), sig: sig.toString("base64") }] };
};

/** A new key pair as PEM (private: PKCS#8, public: SPKI), with its id. */
export const generateKey = (type: KeyType): { privatePem: string; publicPem: string; keyid: string } => {
  const pair = type === "ed25519" ? generateKeyPairSync("ed25519") : generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return {
    privatePem: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
    keyid: keyIdOf(pair.publicKey),
  };
};
