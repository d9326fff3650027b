// Runs one CNI plugin as the spec says: the executable named by the config's "type", found in the CNI_PATH
// directories, with the CNI_* variables in its environment and the plugin's config on stdin. Its stdout is its
// result, or on a non-zero exit its error document. The runner is an interface so that the list logic is tested with
// a recording fake.
import { accessSync, constants, statSync } from "node:fs";
import { join } from "node:path";
import { decodeErrorDoc, parseJson } from "./cni-types.ts";

export type CniCommand = "ADD" | "CHECK" | "DEL" | "VERSION";

export interface PluginCall {
  /** The plugin's executable name (the config's "type"). */
  type: string;
  command: CniCommand;
  containerId: string;
  /** Path of the network namespace; "" when it is gone (DEL only). */
  netns: string;
  ifName: string;
  /** CNI_ARGS as pairs ("K=V;K2=V2" on the wire). */
  args: readonly (readonly [string, string])[];
  /** CNI_PATH: where this plugin and the ones it delegates to (IPAM) are looked for. */
  path: readonly string[];
  stdin: string;
}

export interface PluginOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export interface PluginRunner {
  run(call: PluginCall): PluginOutput;
}

/** A plugin that failed: its error document's message and code, or what it wrote when it had none. */
export class CniPluginError extends Error {
  override readonly name = "CniPluginError";
  constructor(
    readonly call: Pick<PluginCall, "type" | "command">,
    message: string,
    readonly code?: number,
  ) {
    super(`CNI plugin '${call.type}' ${call.command} failed: ${message}`);
  }
}

// A hung plugin must not hang create or delete for ever; the reference plugins take milliseconds.
const TIMEOUT_MS = 60_000;
// Plugins run iptables, ip6tables and modprobe by name.
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The executable for `type` in the first directory of `path` that has one. */
export const findPlugin = (type: string, path: readonly string[]): string => {
  // "type" comes from a config file: a path in it would run anything.
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(type)) throw new Error(`CNI plugin type ${JSON.stringify(type)} is not a plain executable name`);
  for (const dir of path) {
    const file = join(dir, type);
    try {
      if (statSync(file).isFile()) {
        accessSync(file, constants.X_OK);
        return file;
      }
    } catch {
      // Not in this directory.
    }
  }
  throw new Error(`CNI plugin '${type}' not found in ${path.map((d) => `'${d}'`).join(", ") || "an empty CNI path"}`);
};

export const cniEnvironment = (call: PluginCall): Record<string, string> => ({
  PATH: process.env.PATH || DEFAULT_PATH,
  CNI_COMMAND: call.command,
  CNI_CONTAINERID: call.containerId,
  CNI_NETNS: call.netns,
  CNI_IFNAME: call.ifName,
  CNI_ARGS: call.args.map(([k, v]) => `${k}=${v}`).join(";"),
  CNI_PATH: call.path.join(":"),
});

export const hostPluginRunner: PluginRunner = {
  run(call) {
    const file = findPlugin(call.type, call.path);
    const p = Bun.spawnSync([file], {
      env: cniEnvironment(call),
      stdin: Buffer.from(call.stdin),
      stdout: "pipe",
      stderr: "pipe",
      timeout: TIMEOUT_MS,
    });
    const code = p.exitCode ?? 128 + 9;
    return { code, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
  },
};

/** The output of a successful call, or the plugin's error as a CniPluginError (its text quoted, never raw). */
export const checkOutput = (call: PluginCall, out: PluginOutput): string => {
  if (out.code === 0) return out.stdout;
  let doc;
  try {
    doc = decodeErrorDoc(parseJson(out.stdout, "its error"), "its error");
  } catch {
    const said = (out.stderr || out.stdout).trim().slice(0, 500);
    throw new CniPluginError(call, `exit status ${out.code}${said ? `: ${JSON.stringify(said)}` : ""}`);
  }
  const details = doc.details ? ` (${JSON.stringify(doc.details)})` : "";
  throw new CniPluginError(call, `${JSON.stringify(doc.msg)}${details}, code ${doc.code}`, doc.code);
};
