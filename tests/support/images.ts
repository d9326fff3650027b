// What the image tests build with the ecosystem's own tools: OCI layouts from busybox-static with umoci, archives
// with skopeo, a Docker engine with its own directories, and Debian's docker-registry on loopback (plain, Basic
// auth, TLS with a self-signed certificate, token auth). Every process a helper starts is stopped by its pid.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const IMAGE_TOOLS = ["umoci", "skopeo", "docker-registry", "openssl"] as const;

/** Why the image suites cannot run, or undefined. */
export const imageToolsMissing = (tools: readonly string[] = IMAGE_TOOLS): string | undefined => {
  const missing = tools.filter((t) => !Bun.which(t) && !existsSync(`/usr/sbin/${t}`));
  return missing.length ? `missing ${missing.join(", ")} (bash tests/setup/install.sh installs them)` : undefined;
};

export const tempDir = (prefix = "bunker-img-"): string => mkdtempSync(join(tmpdir(), prefix));

/** Runs a tool to completion; throws with its stderr when it fails. */
export const tool = (argv: string[], opts: { cwd?: string; env?: Record<string, string>; stdin?: Uint8Array } = {}): string => {
  const p = Bun.spawnSync(argv, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdin: opts.stdin ?? "ignore", stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${p.exitCode}: ${p.stderr.toString().trim()}`);
  return p.stdout.toString();
};

/** `tool` without blocking the event loop: for tools that talk to a server the test itself runs. */
export const toolAsync = async (argv: string[]): Promise<string> => {
  const p = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}: ${err.trim()}`);
  return out;
};

export const PASSWD = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/app:/bin/sh\n";
export const GROUP = "root:x:0:\napp:x:1000:\nextra:x:2000:app\n";

/**
 * A three-layer busybox image made by umoci: (1) busybox, its sh link, /etc/passwd and /etc/group, /etc/motd,
 * /data/old, /work (owned by app), /tmp, a setuid file and a hard link; (2) /app/hello; (3) a whiteout of /etc/motd and /data made opaque with
 * /data/new. The config sets user app, working dir /app, env, entrypoint, cmd, a volume, a label, a stop signal.
 */
export const busyboxLayout = (work: string, layout = join(work, "layout"), tag = "latest"): string => {
  const ref = `${layout}:${tag}`;
  tool(["umoci", "init", "--layout", layout]);
  tool(["umoci", "new", "--image", ref]);
  const bundle = join(work, "umoci-bundle");
  tool(["umoci", "unpack", "--image", ref, bundle]);
  const root = join(bundle, "rootfs");
  for (const d of ["bin", "etc", "data", "vol", "sbin", "work", "tmp"]) mkdirSync(join(root, d), { recursive: true });
  tool(["chown", "1000:1000", join(root, "work")]);
  tool(["chmod", "1777", join(root, "tmp")]);
  tool(["cp", "/bin/busybox", join(root, "bin/busybox")]);
  tool(["ln", "-s", "busybox", join(root, "bin/sh")]);
  tool(["ln", join(root, "bin/busybox"), join(root, "sbin/busybox-hardlink")]);
  writeFileSync(join(root, "etc/passwd"), PASSWD);
  writeFileSync(join(root, "etc/group"), GROUP);
  writeFileSync(join(root, "etc/motd"), "hello\n");
  writeFileSync(join(root, "data/old"), "lower\n");
  writeFileSync(join(root, "vol/seed"), "from the image\n");
  writeFileSync(join(root, "bin/suid"), "#!/bin/sh\n");
  tool(["chmod", "4755", join(root, "bin/suid")]);
  tool(["umoci", "repack", "--image", ref, bundle]);
  const files = join(work, "files");
  mkdirSync(join(files, "app"), { recursive: true });
  mkdirSync(join(files, "data"), { recursive: true });
  writeFileSync(join(files, "app/hello"), "hello from layer 2\n");
  writeFileSync(join(files, "data/new"), "upper\n");
  tool(["umoci", "insert", "--image", ref, join(files, "app/hello"), "/app/hello"]);
  tool(["umoci", "insert", "--image", ref, "--whiteout", "/etc/motd"]);
  tool(["umoci", "insert", "--image", ref, "--opaque", join(files, "data"), "/data"]);
  tool([
    "umoci", "config", "--image", ref, "--config.user", "app", "--config.workingdir", "/app", "--config.env", "GREETING=hi",
    "--config.entrypoint", "/bin/sh", "--config.cmd", "-c", "--config.cmd", "echo $GREETING from $(id -u):$(id -g) in $(pwd)",
    "--config.volume", "/vol", "--config.label", "org.example.team=edge", "--config.stopsignal", "SIGINT",
  ]);
  rmSync(bundle, { recursive: true, force: true });
  rmSync(files, { recursive: true, force: true });
  return layout;
};

/** A port nothing listens on right now. */
export const freePort = (): number => {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
};

/** A self-signed certificate for 127.0.0.1 (EC P-256), as cert.pem and key.pem in `dir`. */
export const selfSigned = (dir: string, name = "tls"): { cert: string; key: string } => {
  const cert = join(dir, `${name}-cert.pem`);
  const key = join(dir, `${name}-key.pem`);
  tool(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]);
  return { cert, key };
};

export interface Registry {
  /** host:port */
  host: string;
  data: string;
  pid: number;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  htpasswd?: string;
  tls?: { cert: string; key: string };
  token?: { realm: string; service: string; issuer: string; rootCert: string };
}

/** Debian's docker-registry with its own config and storage under `dir`, listening on a free loopback port. */
export const startRegistry = async (dir: string, opts: RegistryOptions = {}): Promise<Registry> => {
  const port = freePort();
  const data = join(dir, "data");
  mkdirSync(data, { recursive: true });
  const auth = opts.htpasswd
    ? `auth:\n  htpasswd:\n    realm: bunker-test\n    path: ${opts.htpasswd}\n`
    : opts.token
      ? `auth:\n  token:\n    realm: ${opts.token.realm}\n    service: ${opts.token.service}\n    issuer: ${opts.token.issuer}\n    rootcertbundle: ${opts.token.rootCert}\n`
      : "";
  const tls = opts.tls ? `  tls:\n    certificate: ${opts.tls.cert}\n    key: ${opts.tls.key}\n` : "";
  const config = join(dir, "config.yml");
  writeFileSync(config, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${data}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${tls}${auth}`);
  const proc = Bun.spawn(["docker-registry", "serve", config], { stdout: "ignore", stderr: Bun.file(join(dir, "registry.log")) });
  const url = `${opts.tls ? "https" : "http"}://127.0.0.1:${port}/v2/`;
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(url, { tls: { rejectUnauthorized: false } } as RequestInit);
      break;
    } catch {
      if (proc.exitCode !== null) throw new Error(`docker-registry exited ${proc.exitCode}; see ${join(dir, "registry.log")}`);
      await Bun.sleep(50);
    }
  }
  return {
    host: `127.0.0.1:${port}`,
    data,
    pid: proc.pid,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
};

/** skopeo copy of an OCI layout into the registry (--dest-tls-verify=false: loopback, self-signed). */
export const pushLayout = async (layout: string, tag: string, dest: string, creds?: string): Promise<void> =>
  void (await toolAsync(["skopeo", "copy", "--dest-tls-verify=false", ...(creds ? ["--dest-creds", creds] : []), `oci:${layout}:${tag}`, `docker://${dest}`]));

/** A busybox image in `work`/layout whose versions differ by /version (each has its own layer), with an optional file of
 * random bytes (a big layer that does not compress). For the update tests and benches. */
export const versionedImage = (work: string, tag: string, extra?: { file: string; bytes: number }): string => {
  const layout = join(work, "layout");
  if (!existsSync(layout)) tool(["umoci", "init", "--layout", layout]);
  tool(["umoci", "new", "--image", `${layout}:${tag}`]);
  const bundle = join(work, `bundle-${tag}`);
  tool(["umoci", "unpack", "--image", `${layout}:${tag}`, bundle]);
  const root = join(bundle, "rootfs");
  mkdirSync(join(root, "bin"), { recursive: true });
  mkdirSync(join(root, "data"), { recursive: true });
  copyFileSync("/bin/busybox", join(root, "bin/busybox"));
  chmodSync(join(root, "bin/busybox"), 0o755);
  for (const a of ["sh", "sleep", "cat", "false", "echo"]) symlinkSync("busybox", join(root, "bin", a));
  writeFileSync(join(root, "version"), `${tag}\n`);
  if (extra) tool(["sh", "-c", `head -c ${extra.bytes} /dev/urandom > ${join(root, extra.file)}`]);
  tool(["umoci", "repack", "--image", `${layout}:${tag}`, bundle]);
  tool(["umoci", "config", "--image", `${layout}:${tag}`, "--config.cmd", "/bin/sh"]);
  rmSync(bundle, { recursive: true, force: true });
  return layout;
};
