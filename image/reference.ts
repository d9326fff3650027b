// Image references as Docker and the distribution spec write them: [host[:port]/]path[:tag][@digest], normalized
// the way `docker pull` does (no host: docker.io; one path component there: library/...; no tag or digest: latest).
import { parseDigest } from "./digest.ts";
import { escapeText } from "./text.ts";

export interface Reference {
  /** The registry host as written, with its port ("docker.io", "127.0.0.1:5000"). */
  host: string;
  /** The repository path ("library/busybox"). */
  repository: string;
  tag?: string;
  digest?: string;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const HOST = /^(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/;
export const DOCKER_HUB = "docker.io";

export const parseReference = (text: string): Reference => {
  const bad = (why: string): Error => new Error(`Image reference '${escapeText(text)}' is invalid: ${why}`);
  if (text.length === 0 || text.length > 4096) throw bad("it is empty or too long");
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    parseDigest(digest, `digest of image reference '${escapeText(text)}'`);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`tag '${escapeText(tag)}' is not 1-128 letters, digits, '_', '.' or '-'`);
  }
  const parts = rest.split("/");
  let host = DOCKER_HUB;
  if (parts.length > 1 && (parts[0]!.includes(".") || parts[0]!.includes(":") || parts[0] === "localhost")) host = parts.shift()!;
  if (!HOST.test(host)) throw bad(`host '${escapeText(host)}' is not a host name with an optional port`);
  if (host === DOCKER_HUB && parts.length === 1) parts.unshift("library");
  for (const p of parts) if (!PATH_COMPONENT.test(p)) throw bad(`path component '${escapeText(p)}' is not lower-case letters and digits joined by '.', '_', '__' or '-'`);
  return { host, repository: parts.join("/"), ...(tag !== undefined || digest === undefined ? { tag: tag ?? "latest" } : {}), ...(digest ? { digest } : {}) };
};

/** The normalized text: "docker.io/library/busybox:latest", "127.0.0.1:5000/app@sha256:...". */
export const formatReference = (r: Reference): string => `${r.host}/${r.repository}${r.tag !== undefined ? `:${r.tag}` : ""}${r.digest ? `@${r.digest}` : ""}`;

export const normalizeReference = (text: string): string => formatReference(parseReference(text));

/** Where the distribution API of a host lives: Docker Hub's API is not at docker.io. */
export const registryHost = (host: string): string => (host === DOCKER_HUB ? "registry-1.docker.io" : host);
