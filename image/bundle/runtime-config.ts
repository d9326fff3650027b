// An image's config as an OCI runtime config.json, after the image spec's conversion rules (conversion.md):
// Entrypoint + Cmd as the args, Env, User, WorkingDir, Volumes as mounts, Labels (and the stop signal and exposed
// ports) as annotations; then what the command line overrides (args, env, memory), as `docker run` does.
import { defaultConfig } from "../../runtime/spec/default.ts";
import type { Config, Mount } from "../../runtime/spec/config.ts";
import type { ImageConfig } from "../documents.ts";
import { escapeText } from "../text.ts";
import type { Identity } from "./identity.ts";

export interface Overrides {
  /** Replaces the image's Cmd (the Entrypoint stays). */
  args?: string[];
  /** KEY=VALUE, replacing the image's value of KEY. */
  env?: string[];
  /** linux.resources.memory.limit in bytes. */
  memory?: number;
}

export interface ConfigInputs {
  id: string;
  image: ImageConfig;
  identity: Identity;
  /** Host directories for the image's volumes, in the order of `volumeTargets`. */
  volumes: { destination: string; source: string }[];
  /** Annotations bunker adds (the image's name and manifest, the store). */
  annotations: Record<string, string>;
  overrides: Overrides;
}

export const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The image's volume paths, sorted so a parent is mounted before what lies under it. */
export const volumeTargets = (image: ImageConfig): string[] => Object.keys(image.config?.Volumes ?? {}).sort();

const mergeEnv = (base: readonly string[], extra: readonly string[]): string[] => {
  const out = new Map<string, string>();
  for (const e of [...base, ...extra]) {
    const eq = e.indexOf("=");
    if (eq <= 0) throw new Error(`Environment entry '${escapeText(e)}' is not KEY=VALUE`);
    out.set(e.slice(0, eq), e);
  }
  return [...out.values()];
};

export const runtimeConfig = (inp: ConfigInputs): Config => {
  const c = inp.image.config ?? {};
  const args = [...(c.Entrypoint ?? []), ...(inp.overrides.args ?? c.Cmd ?? [])];
  if (args.length === 0) throw new Error("The image sets no Entrypoint or Cmd: give the command to run after the container ID");
  const base = defaultConfig();
  const imageEnv = c.Env ?? [];
  const env = mergeEnv(imageEnv.some((e) => e.startsWith("PATH=")) ? imageEnv : [DEFAULT_PATH, ...imageEnv], inp.overrides.env ?? []);
  const annotations: Record<string, string> = { ...(c.Labels ?? {}) };
  if (c.StopSignal) annotations["org.opencontainers.image.stopSignal"] = c.StopSignal;
  const ports = Object.keys(c.ExposedPorts ?? {});
  if (ports.length) annotations["org.opencontainers.image.exposedPorts"] = ports.join(",");
  annotations["org.opencontainers.image.os"] = inp.image.os;
  annotations["org.opencontainers.image.architecture"] = inp.image.architecture;
  const volumeMounts: Mount[] = inp.volumes.map((v) => ({ destination: v.destination, type: "bind", source: v.source, options: ["rbind", "rw"] }));
  const resources = { ...base.linux!.resources, ...(inp.overrides.memory !== undefined ? { memory: { limit: inp.overrides.memory } } : {}) };
  return {
    ...base,
    process: {
      ...base.process,
      terminal: false,
      user: { uid: inp.identity.uid, gid: inp.identity.gid, ...(inp.identity.additionalGids.length ? { additionalGids: inp.identity.additionalGids } : {}) },
      args,
      env,
      cwd: c.WorkingDir || "/",
    },
    root: { path: "rootfs", readonly: false },
    hostname: inp.id,
    mounts: [...(base.mounts ?? []), ...volumeMounts],
    annotations: { ...annotations, ...inp.annotations },
    linux: { ...base.linux, resources },
  };
};
