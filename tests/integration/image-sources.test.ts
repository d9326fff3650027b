// Images made by the ecosystem's tools, into the store and into containers: an umoci layout (directory), skopeo's
// layout directory, oci-archive and docker-archive tars (from a file and from stdin), a multi-platform index, and
// docker save; a multi-platform index written by podman, imported and pulled.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bunker, newRoot, skipReason } from "../support/cli.ts";
import { busyboxLayout, imageToolsMissing, startRegistry, tempDir, tool, type Registry } from "../support/images.ts";

const skip = skipReason() ?? imageToolsMissing(["umoci", "skopeo"]);
if (skip) console.log(`SKIP image sources: ${skip}`);

const EXPECTED = "hi from 1000:1000 in /app";
const lastLine = (out: string) => JSON.parse(out.trim().split("\n").pop()!);

describe.skipIf(!!skip)("image sources", () => {
  let work: string;
  let layout: string;
  let root: string;
  const store = () => join(work, "store");
  const b = (args: string[], opts: Parameters<typeof bunker>[2] = {}) => bunker(root, ["--journal", "none", "--images", store(), ...args], opts);
  const run = (ref: string, id: string) => b(["run", "--image", ref, id]);

  beforeAll(() => {
    work = tempDir();
    root = newRoot();
    layout = busyboxLayout(work);
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  test("an umoci layout directory: imported, named by --name, run with its config", () => {
    const r = b(["image", "import", layout, "--name", "example.com/app:1"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("example.com/app:1 sha256:");
    const c = run("example.com/app:1", "src-dir");
    expect(c.stdout.trim()).toBe(EXPECTED);
    expect(c.code).toBe(0);
    // The foreground run left neither bundle nor mount behind.
    expect(existsSync(join(store(), "containers", "src-dir"))).toBe(false);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(store());
  });

  test("without --name, umoci's tag becomes localhost/<layout>:<tag>", () => {
    expect(b(["image", "import", layout]).stdout).toContain("localhost/layout:latest");
  });

  test("skopeo's oci layout, oci-archive and docker-archive, from a file and from stdin, give the same runnable image", () => {
    const ociTar = join(work, "app.oci.tar");
    const dockerTar = join(work, "app.docker.tar");
    tool(["skopeo", "copy", `oci:${layout}:latest`, `oci-archive:${ociTar}:latest`]);
    tool(["skopeo", "copy", `oci:${layout}:latest`, `docker-archive:${dockerTar}:example.com/app:docker`]);
    // A layout directory written by skopeo, named by its tag.
    const ociDir = join(work, "app.oci");
    tool(["skopeo", "copy", `oci:${layout}:latest`, `oci:${ociDir}:v1`]);
    expect(b(["image", "import", ociDir]).stdout).toContain("localhost/app.oci:v1");
    // Layers recompressed with zstd by skopeo (the docker archive below has plain tar layers, umoci's are gzip).
    const zstdDir = join(work, "app.zstd");
    tool(["skopeo", "copy", "--dest-compress-format", "zstd", `oci:${layout}:latest`, `oci:${zstdDir}:v1`]);
    expect(b(["image", "import", zstdDir]).code).toBe(0);
    const zstdLayers = JSON.parse(b(["image", "inspect", "--json", "localhost/app.zstd:v1"]).stdout).layers as { mediaType: string }[];
    expect(zstdLayers.map((l) => l.mediaType)).toEqual(zstdLayers.map(() => "application/vnd.oci.image.layer.v1.tar+zstd"));
    expect(b(["image", "import", ociTar, "--name", "example.com/app:oci-tar"]).code).toBe(0);
    const d = b(["image", "import", dockerTar]);
    expect(d.stderr).toBe("");
    expect(d.stdout).toContain("example.com/app:docker");
    expect(b(["image", "import", "-", "--name", "example.com/app:stdin"], { stdin: readFileSync(dockerTar) }).code).toBe(0);
    const gz = join(work, "app.docker.tar.gz");
    writeFileSync(gz, Bun.gzipSync(readFileSync(dockerTar)));
    expect(b(["image", "import", "-", "--name", "example.com/app:gz"], { stdin: readFileSync(gz) }).code).toBe(0);
    for (const [i, ref] of ["localhost/app.oci:v1", "localhost/app.zstd:v1", "example.com/app:oci-tar", "example.com/app:docker", "example.com/app:stdin", "example.com/app:gz"].entries())
      expect(run(ref, `src-${i}`).stdout.trim()).toBe(EXPECTED);
    // The docker archive's layers were stored once, whichever way it came in.
    const ls = JSON.parse(b(["image", "ls", "--json"]).stdout) as { name: string; manifest: string }[];
    expect(new Set(ls.filter((i) => /:(docker|stdin|gz)$/.test(i.name)).map((i) => i.manifest)).size).toBe(1);
  });

  test("a multi-platform index: this machine's platform is taken, --platform takes another, a missing one is named", () => {
    // The layout's own manifest for this machine, and an arm64 (or amd64) twin whose config says so.
    const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
    const here = index.manifests[0];
    const blob = (d: string) => join(layout, "blobs/sha256", d.slice(7));
    const manifest = JSON.parse(readFileSync(blob(here.digest), "utf8"));
    const other = process.arch === "arm64" ? "amd64" : "arm64";
    const config = JSON.parse(readFileSync(blob(manifest.config.digest), "utf8"));
    const put = (v: unknown) => {
      const bytes = Buffer.from(JSON.stringify(v));
      const digest = `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}`;
      writeFileSync(blob(digest), bytes);
      return { digest, size: bytes.length };
    };
    const otherConfig = put({ ...config, architecture: other });
    const otherManifest = put({ ...manifest, config: { ...manifest.config, ...otherConfig } });
    const list = put({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        { mediaType: here.mediaType, ...otherManifest, platform: { os: "linux", architecture: other } },
        { mediaType: here.mediaType, digest: here.digest, size: here.size, platform: { os: "linux", architecture: config.architecture } },
      ],
    });
    const multi = join(work, "multi");
    mkdirSync(multi);
    tool(["cp", "-r", join(layout, "blobs"), join(layout, "oci-layout"), multi]);
    writeFileSync(join(multi, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.index.v1+json", ...list, annotations: { "org.opencontainers.image.ref.name": "example.com/multi:1" } }] }));
    const mine = JSON.parse(b(["image", "import", multi, "--json"]).stdout.trim().split("\n").pop()!);
    expect(mine.images[0]).toMatchObject({ names: ["example.com/multi:1"], digest: list.digest, manifest: here.digest, platform: `linux/${config.architecture}` });
    const theirs = JSON.parse(b(["image", "import", multi, "--name", "example.com/multi:other", "--platform", `linux/${other}`, "--json"]).stdout.trim().split("\n").pop()!);
    expect(theirs.images[0]).toMatchObject({ manifest: otherManifest.digest, platform: `linux/${other}` });
    const none = b(["image", "import", multi, "--platform", "linux/s390x"]);
    expect(none.code).toBe(1);
    expect(none.stderr.trim().split("\n")).toHaveLength(1);
    expect(none.stderr).toContain(`has no image for linux/s390x; it offers linux/${other}, linux/${config.architecture} (choose one with --platform)`);
    expect(run("example.com/multi:1", "src-multi").stdout.trim()).toBe(EXPECTED);
  });

  test("ls, inspect and verify describe what is stored", () => {
    const inspect = JSON.parse(b(["image", "inspect", "example.com/app:1", "--json"]).stdout);
    expect(inspect.layers).toHaveLength(4);
    expect(inspect.layers.every((l: { stored: boolean; unpacked: boolean }) => l.stored && l.unpacked)).toBe(true);
    expect(inspect.config.config.User).toBe("app");
    const v = b(["image", "verify"]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^checked \d+ blobs .*: 0 damaged, 0 missing$/m);
  });
});

const dockerSkip = skipReason() ?? imageToolsMissing(["skopeo", "dockerd", "docker"]);
if (dockerSkip) console.log(`SKIP docker save: ${dockerSkip}`);

describe.skipIf(!!dockerSkip)("docker save", () => {
  let work: string;
  let root: string;
  let dockerd: ReturnType<typeof Bun.spawn> | undefined;
  beforeAll(() => {
    work = tempDir();
    root = newRoot();
  });
  afterAll(async () => {
    if (dockerd) {
      dockerd.kill("SIGTERM");
      await dockerd.exited;
    }
    tool(["sh", "-c", `grep -o ' ${work}[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l || true`]);
    rmSync(work, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  test("an image docker loads and saves again imports and runs", async () => {
    const layout = busyboxLayout(work);
    const archive = join(work, "skopeo.tar");
    tool(["skopeo", "copy", `oci:${layout}:latest`, `docker-archive:${archive}:example.com/app:saved`]);
    const sock = join(work, "docker.sock");
    dockerd = Bun.spawn(
      ["dockerd", "--data-root", join(work, "docker"), "--exec-root", join(work, "docker-exec"), "--pidfile", join(work, "docker.pid"), "-H", `unix://${sock}`, "--iptables=false", "--bridge=none", "--storage-driver=vfs"],
      { stdout: "ignore", stderr: Bun.file(join(work, "dockerd.log")) },
    );
    const docker = (args: string[]) => tool(["docker", "-H", `unix://${sock}`, ...args]);
    for (let i = 0; i < 300 && !existsSync(sock); i++) await Bun.sleep(100);
    for (let i = 0; i < 100; i++) {
      try {
        docker(["version"]);
        break;
      } catch {
        await Bun.sleep(100);
      }
    }
    docker(["load", "-i", archive]);
    const saved = join(work, "saved.tar");
    docker(["save", "-o", saved, "example.com/app:saved"]);
    dockerd.kill("SIGTERM");
    await dockerd.exited;
    dockerd = undefined;
    const b = (args: string[]) => bunker(root, ["--journal", "none", "--images", join(work, "store"), ...args]);
    const r = b(["image", "import", saved]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("example.com/app:saved");
    expect(b(["run", "--image", "example.com/app:saved", "saved"]).stdout.trim()).toBe(EXPECTED);
  }, 120_000);
});

const podmanSkip = skipReason() ?? imageToolsMissing(["umoci", "podman", "docker-registry", "skopeo"]);
if (podmanSkip) console.log(`SKIP multi-platform index by podman: ${podmanSkip}`);

describe.skipIf(!!podmanSkip)("multi-platform index by podman", () => {
  let work: string;
  let root: string;
  let registry: Registry | undefined;
  beforeAll(() => {
    work = tempDir();
    root = newRoot();
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  test("podman manifest push --all: imported as a layout and pulled from a registry, each takes this machine's platform", async () => {
    // Two images of one content, linux/amd64 and linux/arm64 by their configs, in one list made by podman.
    const amd64 = busyboxLayout(work, join(work, "amd64"));
    const arm64 = join(work, "arm64");
    tool(["cp", "-r", amd64, arm64]);
    tool(["umoci", "config", "--image", `${amd64}:latest`, "--architecture", "amd64"]);
    tool(["umoci", "config", "--image", `${arm64}:latest`, "--architecture", "arm64"]);
    const podman = (args: string[]) => tool(["podman", "--root", join(work, "podman"), "--runroot", join(work, "podman-run"), "--storage-driver", "vfs", ...args]);
    podman(["manifest", "create", "multi"]);
    podman(["manifest", "add", "multi", `oci:${amd64}:latest`]);
    podman(["manifest", "add", "multi", `oci:${arm64}:latest`]);
    const out = join(work, "multi");
    podman(["manifest", "push", "--all", "multi", `oci:${out}:1`]);
    registry = await startRegistry(join(work, "registry"));
    podman(["manifest", "push", "--all", "--tls-verify=false", "multi", `docker://${registry.host}/multi:1`]);
    const b = (args: string[]) => bunker(root, ["--journal", "none", "--images", join(work, "store"), ...args]);
    const list = JSON.parse(readFileSync(join(out, "index.json"), "utf8")).manifests[0].digest;
    const platforms = JSON.parse(readFileSync(join(out, "blobs/sha256", list.slice(7)), "utf8")).manifests.map((m: { digest: string; platform: { architecture: string } }) => [m.platform.architecture, m.digest]);
    const expected = Object.fromEntries(platforms) as Record<string, string>;
    const here = process.arch === "arm64" ? "arm64" : "amd64";
    const other = here === "arm64" ? "amd64" : "arm64";
    const imported = lastLine(b(["image", "import", out, "--name", "example.com/multi:layout", "--json"]).stdout);
    expect(imported.images[0]).toMatchObject({ digest: list, manifest: expected[here], platform: `linux/${here}` });
    const pulled = lastLine(b(["image", "pull", "--insecure", `${registry.host}/multi:1`, "--json"]).stdout);
    expect(pulled).toMatchObject({ manifest: expected[here], platform: `linux/${here}` });
    const theirs = lastLine(b(["image", "pull", "--insecure", "--platform", `linux/${other}`, `${registry.host}/multi:1`, "--json"]).stdout);
    expect(theirs).toMatchObject({ manifest: expected[other], platform: `linux/${other}` });
    const r = b(["run", "--image", "example.com/multi:layout", "multi-c"]);
    expect(r.stdout.trim()).toBe(EXPECTED);
  });
});
