// Registry credentials: `--user USER:PASSWORD`, or an auth file in Docker's config.json format (what `docker login`
// and `podman login` write: auths.<host>.auth = base64 "user:password", or username and password fields).
import { readFileSync } from "node:fs";
import { escapeText } from "../text.ts";

export interface Credentials {
  username: string;
  password: string;
}

export const parseUserFlag = (text: string): Credentials => {
  const colon = text.indexOf(":");
  if (colon <= 0) throw new Error("--user takes USER:PASSWORD");
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
};

/** The credentials an auth file holds for `host`, or undefined. */
export const credentialsFromFile = (file: string, host: string): Credentials | undefined => {
  let doc: { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`Read registry auth file '${file}': ${escapeText((err as Error).message)}`);
  }
  const auths = doc?.auths ?? {};
  const entry = auths[host] ?? auths[`https://${host}`] ?? auths[`http://${host}`] ?? (host === "registry-1.docker.io" ? auths["https://index.docker.io/v1/"] : undefined);
  if (!entry) return undefined;
  if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
  if (typeof entry.auth !== "string") return undefined;
  const plain = Buffer.from(entry.auth, "base64").toString("utf8");
  const colon = plain.indexOf(":");
  if (colon <= 0) throw new Error(`Registry auth file '${file}': the entry for '${escapeText(host)}' is not base64 of USER:PASSWORD`);
  return { username: plain.slice(0, colon), password: plain.slice(colon + 1) };
};

export const basicHeader = (c: Credentials): string => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
