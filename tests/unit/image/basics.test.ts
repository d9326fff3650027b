import { describe, expect, test } from "bun:test";
import { digestOf, Hasher, parseDigest } from "../../../image/digest.ts";
import { choosePlatform, parsePlatform } from "../../../image/platform.ts";
import { normalizeReference, parseReference } from "../../../image/reference.ts";
import { parseChallenges } from "../../../image/registry/challenge.ts";
import { RegistryClient } from "../../../image/registry/client.ts";
import { parseManifestDocument } from "../../../image/documents.ts";
import { resolveIdentity } from "../../../image/bundle/identity.ts";

describe("digests", () => {
  test("a digest of the wrong length, algorithm or alphabet is one clear line", () => {
    expect(() => parseDigest("sha256:abc")).toThrow("The digest 'sha256:abc' has 3 hex digits where sha256 has 64");
    expect(() => parseDigest(`md5:${"0".repeat(32)}`)).toThrow("does not start with sha256: or sha512:");
    expect(() => parseDigest(`sha256:${"G".repeat(64)}`)).toThrow("holds characters other than 0-9 and a-f");
    expect(parseDigest(digestOf(new Uint8Array(1))).algorithm).toBe("sha256");
  });

  test("a hasher gives the same digest each time it is asked (Bun's resets itself after the first)", () => {
    const h = new Hasher();
    h.update(new Uint8Array([1, 2, 3]));
    expect(h.digest()).toBe(h.digest());
    expect(h.digest()).toBe(digestOf(new Uint8Array([1, 2, 3])));
  });
});

describe("references", () => {
  test("are normalized as docker pull does", () => {
    expect(normalizeReference("busybox")).toBe("docker.io/library/busybox:latest");
    expect(normalizeReference("127.0.0.1:5000/team/app:1")).toBe("127.0.0.1:5000/team/app:1");
    expect(normalizeReference("localhost/app")).toBe("localhost/app:latest");
    const d = `sha256:${"a".repeat(64)}`;
    expect(parseReference(`example.com/app@${d}`)).toEqual({ host: "example.com", repository: "app", digest: d });
    expect(() => parseReference("Example/App")).toThrow("path component 'Example' is not lower-case");
    expect(() => parseReference("app@sha256:12")).toThrow("has 2 hex digits");
  });
});

describe("documents", () => {
  test("a config that is not JSON, a schema 1 manifest, a wrong media type: one clear line each", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(() => parseManifestDocument(enc("{nope"), undefined, "manifest of x")).toThrow(/^The manifest of x is not JSON: /);
    expect(() => parseManifestDocument(enc('{"schemaVersion":1}'), undefined, "manifest of x")).toThrow("Docker schema 1 manifest");
    expect(() => parseManifestDocument(enc("{}"), "text/html", "manifest of x")).toThrow("has media type 'text/html', which is neither");
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    expect(() => parseManifestDocument(enc(deep), undefined, "manifest of x")).toThrow(/^The manifest of x (is not JSON|is nested too deeply|is invalid)/);
  });

  test("an index with no matching platform names what it offers", () => {
    const index = { schemaVersion: 2 as const, manifests: [{ mediaType: "m", digest: `sha256:${"0".repeat(64)}`, size: 1, platform: { os: "linux", architecture: "riscv64" } }] };
    expect(() => choosePlatform(index, parsePlatform("linux/arm64"), "image x")).toThrow("The image x has no image for linux/arm64; it offers linux/riscv64 (choose one with --platform)");
    expect(choosePlatform({ ...index, manifests: [{ ...index.manifests[0]!, platform: { os: "linux", architecture: "arm64", variant: "v8" } }] }, parsePlatform("linux/arm64"), "x").size).toBe(1);
  });
});

describe("WWW-Authenticate", () => {
  test("Bearer and Basic challenges with quoted parameters", () => {
    expect(parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"')).toEqual([
      { scheme: "bearer", params: { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull" } },
    ]);
    expect(parseChallenges('Basic realm="r", Negotiate, Bearer realm="x"')).toEqual([
      { scheme: "basic", params: { realm: "r" } },
      { scheme: "bearer", params: { realm: "x" } },
    ]);
  });
});

describe("the registry client", () => {
  test("follows a redirect to another host without the credentials", async () => {
    let seen: string | null = "unset";
    const storage = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => ((seen = req.headers.get("authorization")), new Response("blob")) });
    const registry = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req) =>
        req.headers.get("authorization") ? Response.redirect(`http://localhost:${storage.port}/data`, 307) : new Response("", { status: 401, headers: { "www-authenticate": 'Basic realm="r"' } }),
    });
    try {
      const client = new RegistryClient(parseReference(`127.0.0.1:${registry.port}/app:1`), { insecure: true, credentials: { username: "u", password: "p" } });
      const res = await client.require("app/blobs/x", {}, "Fetch");
      expect(await res.text()).toBe("blob");
      expect(seen).toBeNull();
    } finally {
      storage.stop(true);
      registry.stop(true);
    }
  });
});

describe("the image's user", () => {
  const passwd = "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\nbad:x:99999999999:1\n";
  const group = "root:x:0:\napp:x:1000:\nextra:x:2000:app,other\nwheel:x:10:root\n";
  test("names resolve through /etc/passwd and /etc/group, with supplementary groups", () => {
    expect(resolveIdentity("app", passwd, group)).toEqual({ uid: 1000, gid: 1000, additionalGids: [2000] });
    expect(resolveIdentity("", passwd, group)).toEqual({ uid: 0, gid: 0, additionalGids: [10] });
    expect(resolveIdentity("1000:extra", passwd, group)).toEqual({ uid: 1000, gid: 2000, additionalGids: [] });
    expect(resolveIdentity("4242", passwd, group)).toEqual({ uid: 4242, gid: 0, additionalGids: [] });
  });
  test("unknown names and ids that would wrap are refused", () => {
    expect(() => resolveIdentity("nobody", passwd, group)).toThrow("The image's user 'nobody' is not in its /etc/passwd");
    expect(() => resolveIdentity("app:staff", passwd, group)).toThrow("The image's group 'staff' is not in its /etc/group");
    expect(() => resolveIdentity("4294967296", passwd, group)).toThrow("uid 4294967296 is outside 0..2147483647");
  });
});
