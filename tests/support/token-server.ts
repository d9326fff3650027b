// The token server of distribution's `auth: token` (the Docker token protocol), for tests: Basic credentials in,
// an ES256 JWT out, signed with a key whose certificate the registry trusts (its rootcertbundle), carried in x5c.
import { createPrivateKey, randomUUID, sign, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { freePort } from "./images.ts";

export interface TokenServer {
  realm: string;
  issuer: string;
  service: string;
  /** Token requests seen, with whether they carried the right credentials. */
  requests: { scope: string; authorized: boolean }[];
  stop(): void;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString("base64url");

export const startTokenServer = (tls: { cert: string; key: string }, user: string, password: string): TokenServer => {
  const key = createPrivateKey(readFileSync(tls.key));
  const der = new X509Certificate(readFileSync(tls.cert)).raw;
  const issuer = "bunker-test-issuer";
  const service = "bunker-test-registry";
  const requests: TokenServer["requests"] = [];
  const port = freePort();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port,
    fetch(req) {
      const url = new URL(req.url);
      const scope = url.searchParams.get("scope") ?? "";
      const authorized = req.headers.get("authorization") === `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
      requests.push({ scope, authorized });
      if (!authorized) return new Response("unauthorized", { status: 401 });
      const access = scope
        .split(" ")
        .filter(Boolean)
        .map((s) => {
          const [type, name, actions] = s.split(":");
          return { type, name, actions: (actions ?? "").split(",") };
        });
      const now = Math.floor(Date.now() / 1000);
      const header = b64url(JSON.stringify({ alg: "ES256", typ: "JWT", x5c: [der.toString("base64")] }));
      const claims = b64url(JSON.stringify({ iss: issuer, sub: user, aud: url.searchParams.get("service"), exp: now + 600, nbf: now - 60, iat: now, jti: randomUUID(), access }));
      const signature = sign("sha256", Buffer.from(`${header}.${claims}`), { key, dsaEncoding: "ieee-p1363" });
      const token = `${header}.${claims}.${b64url(signature)}`;
      return Response.json({ token, access_token: token, expires_in: 600 });
    },
  });
  return { realm: `http://127.0.0.1:${port}/token`, issuer, service, requests, stop: () => void server.stop(true) };
};
