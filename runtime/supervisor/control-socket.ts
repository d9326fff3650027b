// How `bunker apply` and `bunker status` reach a running daemon: a unix stream socket in the state root (mode 0600,
// the root's owner only), one JSON request line, one JSON reply line. No daemon listening: the caller is told so,
// and works without it.
import { chmodSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Socket } from "bun";

export const controlSocketPath = (root: string): string => join(root, ".daemon.sock");

/** What of the registry options an update over the socket may carry (credentials stay with the caller's files). */
export interface ControlRegistry {
  insecure: boolean;
  caFile?: string;
}

export type ControlRequest =
  | { op: "apply"; document: string; file: string; dryRun: boolean }
  | { op: "status" }
  | { op: "flush-logs"; service: string }
  | { op: "ota-apply"; document: string; file: string; registry: ControlRegistry }
  | { op: "ota-status" };

export type ControlReply = { ok: true; result: unknown } | { ok: false; error: string };

/** A target document is at most 32 KiB (it must fit one journal record), a signed update its base64; a request line stays below this. */
const MAX_REQUEST = 128 * 1024;

const parseRequest = (line: string): ControlRequest => {
  const r = JSON.parse(line) as Partial<ControlRequest> & { op?: unknown };
  if (r.op === "status") return { op: "status" };
  if (r.op === "flush-logs" && typeof r.service === "string") return { op: "flush-logs", service: r.service };
  if (r.op === "apply" && typeof r.document === "string" && typeof r.file === "string" && typeof r.dryRun === "boolean")
    return { op: "apply", document: r.document, file: r.file, dryRun: r.dryRun };
  if (r.op === "ota-status") return { op: "ota-status" };
  if (r.op === "ota-apply" && typeof r.document === "string" && typeof r.file === "string") {
    const reg = (r as { registry?: { insecure?: unknown; caFile?: unknown } }).registry;
    return { op: "ota-apply", document: r.document, file: r.file, registry: { insecure: reg?.insecure === true, ...(typeof reg?.caFile === "string" ? { caFile: reg.caFile } : {}) } };
  }
  throw new Error(`Control request: unknown or malformed operation ${JSON.stringify(String(r.op)).slice(0, 40)}`);
};

export interface ControlServer {
  close(): void;
}

/**
 * Serves requests with `handle`. A socket file left by a daemon that died is replaced; one that a live daemon
 * answers on is not: two daemons must not manage one root.
 */
export const serveControl = async (path: string, handle: (r: ControlRequest) => Promise<unknown>): Promise<ControlServer> => {
  if ((await askDaemon(path, { op: "status" }).catch(() => undefined)) !== undefined) throw new Error(`Serve '${path}': another daemon answers there`);
  rmSync(path, { force: true });
  const buffers = new WeakMap<Socket<undefined>, string>();
  const server = Bun.listen<undefined>({
    unix: path,
    socket: {
      data(sock, chunk) {
        const text = (buffers.get(sock) ?? "") + chunk.toString();
        const nl = text.indexOf("\n");
        if (nl < 0) {
          if (text.length > MAX_REQUEST) sock.end(`${JSON.stringify({ ok: false, error: `Control request: longer than ${MAX_REQUEST} bytes` })}\n`);
          else buffers.set(sock, text);
          return;
        }
        buffers.delete(sock);
        const reply = (r: ControlReply): void => void sock.end(`${JSON.stringify(r)}\n`);
        (async () => handle(parseRequest(text.slice(0, nl))))().then(
          (result) => reply({ ok: true, result }),
          (err: unknown) => reply({ ok: false, error: err instanceof Error ? err.message : String(err) }),
        );
      },
    },
  });
  chmodSync(path, 0o600);
  return {
    close() {
      server.stop(true);
      rmSync(path, { force: true });
    },
  };
};

/** The daemon's reply, or undefined when no daemon listens on `path`. */
export const askDaemon = (path: string, request: ControlRequest): Promise<ControlReply | undefined> =>
  new Promise((resolve, reject) => {
    let text = "";
    Bun.connect({
      unix: path,
      socket: {
        open: (sock) => void sock.write(`${JSON.stringify(request)}\n`),
        data: (_sock, chunk) => void (text += chunk.toString()),
        close() {
          try {
            resolve(JSON.parse(text) as ControlReply);
          } catch {
            reject(new Error(`The daemon on '${path}' closed the connection without a reply`));
          }
        },
        connectError: () => resolve(undefined),
        error: (_sock, err) => reject(new Error(`Ask the daemon on '${path}'`, { cause: err })),
      },
    }).catch(() => resolve(undefined));
  });
