// The OCI distribution API, as a client of one repository: manifests by tag or digest, blobs (resumed with
// `Range`), the token dance (`WWW-Authenticate: Bearer` -> the realm's token endpoint, with Basic credentials when
// given) or Basic auth, redirects followed by hand (credentials never follow a redirect to another host), TLS with
// an extra CA for a self-signed registry, or plain HTTP when asked for.
import { readFileSync } from "node:fs";
import { after } from "../streams.ts";
import { escapeText } from "../text.ts";
import { registryHost, type Reference } from "../reference.ts";
import { parseChallenges } from "./challenge.ts";
import { basicHeader, type Credentials } from "./credentials.ts";

export interface RegistryOptions {
  /** Plain HTTP instead of HTTPS. */
  insecure?: boolean;
  /** A PEM file of CA certificates trusted besides the system's. */
  caFile?: string;
  credentials?: Credentials;
  /** Tries of a request whose connection failed or was cut (the blob resumes where it stopped). */
  retries?: number;
}

const MAX_REDIRECTS = 10;

/**
 * Every fetched chunk is a fresh buffer that JSC frees only at a full collection: left alone, the pull of a 100 MB
 * layer grew bunker's RSS by 27 MiB (20 MiB anonymous) over `image ls`; with a full collection every 2 MiB (a
 * millisecond or so each, the heap being small) by 12 MiB (7.5 MiB anonymous). Measured by `npm run bench:image`.
 */
const COLLECT_EVERY = 2 * 1024 * 1024;
let sinceCollect = 0;
const collectEvery = (bytes: number): void => {
  sinceCollect += bytes;
  if (sinceCollect < COLLECT_EVERY) return;
  sinceCollect = 0;
  Bun.gc(true);
};
const MAX_ERROR_BODY = 64 * 1024;

/** What the registry answered when it refused: the distribution spec's error codes, made one line. */
const describeRefusal = async (res: Response, what: string): Promise<Error> => {
  let detail = "";
  try {
    const body = await boundedBytes(res, MAX_ERROR_BODY, what);
    const doc = JSON.parse(new TextDecoder().decode(body)) as { errors?: { code?: string; message?: string }[] };
    detail = (doc.errors ?? []).map((e) => `${e.code ?? "error"}${e.message ? ` (${e.message})` : ""}`).join(", ");
  } catch {
    // Not the spec's error document: the status says enough.
  }
  return new Error(`${what}: the registry answered ${res.status} ${res.statusText}${detail ? `: ${escapeText(detail)}` : ""}`);
};

/** The whole body, refused past `max` bytes. */
export const boundedBytes = async (res: Response, max: number, what: string): Promise<Uint8Array> => {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > max) throw new Error(`${what}: the registry sends ${declared} bytes, more than the ${max} allowed`);
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of (res.body ?? new ReadableStream()) as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > max) throw new Error(`${what}: the registry sends more than the ${max} bytes allowed`);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
};

export class RegistryClient {
  private readonly base: string;
  private readonly tls: { ca?: string[] } | undefined;
  private token: string | undefined;
  private basic = false;

  constructor(
    readonly ref: Reference,
    private readonly opts: RegistryOptions = {},
  ) {
    this.base = `${opts.insecure ? "http" : "https"}://${registryHost(ref.host)}`;
    if (opts.caFile) this.tls = { ca: [readFileSync(opts.caFile, "utf8")] };
  }

  private authHeader(): Record<string, string> {
    if (this.token) return { authorization: `Bearer ${this.token}` };
    if (this.basic && this.opts.credentials) return { authorization: basicHeader(this.opts.credentials) };
    return {};
  }

  /** One request, following redirects; the Authorization header goes only to the registry's own origin. */
  private async send(url: string, headers: Record<string, string>, what: string): Promise<Response> {
    let target = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const sameOrigin = new URL(target).origin === new URL(this.base).origin;
      let res: Response;
      try {
        res = await fetch(target, { headers: { ...headers, ...(sameOrigin ? this.authHeader() : {}) }, redirect: "manual", tls: this.tls } as RequestInit);
      } catch (err) {
        throw new Error(`${what}: cannot reach ${new URL(target).host}: ${escapeText((err as Error).message)}`, { cause: err });
      }
      if (res.status < 300 || res.status >= 400 || !res.headers.get("location")) return res;
      await res.body?.cancel();
      target = new URL(res.headers.get("location")!, target).toString();
    }
    throw new Error(`${what}: more than ${MAX_REDIRECTS} redirects`);
  }

  /** A request with the auth dance: on 401, answer the challenge once and try again. */
  async get(path: string, headers: Record<string, string>, what: string): Promise<Response> {
    const url = `${this.base}/v2/${path}`;
    let res = await this.send(url, headers, what);
    if (res.status !== 401) return res;
    const challenges = parseChallenges(res.headers.get("www-authenticate"));
    await res.body?.cancel();
    const bearer = challenges.find((c) => c.scheme === "bearer");
    if (bearer) this.token = await this.fetchToken(bearer.params, what);
    else if (challenges.some((c) => c.scheme === "basic") && this.opts.credentials) this.basic = true;
    else throw new Error(`${what}: the registry wants credentials${this.opts.credentials ? " it did not accept" : " (give --user or --auth-file)"}`);
    res = await this.send(url, headers, what);
    if (res.status === 401) {
      await res.body?.cancel();
      throw new Error(`${what}: the registry refused ${this.opts.credentials ? "these credentials" : "anonymous access (give --user or --auth-file)"}`);
    }
    return res;
  }

  private async fetchToken(params: Record<string, string>, what: string): Promise<string> {
    const realm = params.realm;
    if (!realm) throw new Error(`${what}: the registry's Bearer challenge names no realm`);
    const url = new URL(realm);
    if (params.service) url.searchParams.set("service", params.service);
    url.searchParams.set("scope", params.scope ?? `repository:${this.ref.repository}:pull`);
    let res: Response;
    try {
      res = await fetch(url, {
        headers: this.opts.credentials ? { authorization: basicHeader(this.opts.credentials) } : {},
        tls: url.origin === new URL(this.base).origin || this.tls ? this.tls : undefined,
      } as RequestInit);
    } catch (err) {
      throw new Error(`${what}: cannot reach the token server ${url.host}: ${escapeText((err as Error).message)}`, { cause: err });
    }
    if (!res.ok) throw await describeRefusal(res, `${what}: token from ${url.host}`);
    const doc = JSON.parse(new TextDecoder().decode(await boundedBytes(res, MAX_ERROR_BODY, `${what}: token`))) as { token?: string; access_token?: string };
    const token = doc.token ?? doc.access_token;
    if (typeof token !== "string" || token === "") throw new Error(`${what}: the token server's answer holds no token`);
    return token;
  }

  /** GET that must succeed (2xx). */
  async require(path: string, headers: Record<string, string>, what: string): Promise<Response> {
    const res = await this.get(path, headers, what);
    if (res.status < 200 || res.status >= 300) throw await describeRefusal(res, what);
    return res;
  }

  /**
   * A blob's bytes from `offset` to `size`. A connection cut (or a body ended) short is asked again from where it
   * stopped (`Range`); a server that ignores Range sends the whole blob, and the bytes already held are skipped.
   */
  async *blob(digest: string, offset: number, size: number, what: string): AsyncGenerator<Uint8Array> {
    let at = offset;
    for (let attempt = 0; at < size || attempt === 0; attempt++) {
      const res = await this.require(`${this.ref.repository}/blobs/${digest}`, at > 0 ? { range: `bytes=${at}-` } : {}, what);
      const body = (res.body ?? new ReadableStream()) as unknown as AsyncIterable<Uint8Array>;
      try {
        for await (const piece of at > 0 && res.status !== 206 ? after(body, at) : body) {
          at += piece.length;
          yield piece;
          collectEvery(piece.length);
        }
      } catch (err) {
        if (attempt >= (this.opts.retries ?? 3)) throw new Error(`${what}: the connection failed at byte ${at} of ${size}`, { cause: err });
        continue;
      }
      if (at < size && attempt >= (this.opts.retries ?? 3)) throw new Error(`${what}: the registry ended the blob at byte ${at} of ${size}`);
    }
  }
}
