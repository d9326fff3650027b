// What an import reads its source through: members by name (an OCI layout's files, a Docker archive's entries).
// Three kinds: a layout directory, a tar file (scanned first, read once in order), and a tar stream (stdin), which
// is stored as it arrives and then read back from the store.
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { MAX_DOCUMENT_BYTES } from "../documents.ts";
import type { Progress } from "../progress.ts";
import type { ImageStore } from "../store/store.ts";
import { readTar } from "../tar/tar-reader.ts";
import { scanTarFile, type TarFile } from "../tar/tar-scan.ts";
import { escapeText } from "../text.ts";
import { after } from "../streams.ts";
import { copyBlob } from "./blob-copy.ts";

export interface SourceReader {
  /** For messages: "OCI layout '/x'", "archive from stdin". */
  readonly what: string;
  /** The member's size, or undefined when the source has no such regular file. */
  size(name: string): number | undefined;
  /** A whole member (callers bound it by size() first). */
  read(name: string): Promise<Uint8Array>;
  /** The member's bytes from `offset` on, streamed. */
  stream(name: string, offset: number): AsyncIterable<Uint8Array>;
  /**
   * A member a streamed source put into the store as it read it: its digest, and whether the store held it already
   * (so copying it is skipped, and the import counts it once).
   */
  storedAs?(name: string): { digest: string; written: boolean } | undefined;
  close(): void;
}

/** A symlink member's target as a member name (skopeo links `<id>/layer.tar` to `../<diff>.tar`), or undefined. */
const linkTarget = (name: string, target: string, what: string): string | undefined => {
  const joined = target.startsWith("/") ? target : `${name.split("/").slice(0, -1).join("/")}/${target}`;
  const parts: string[] = [];
  for (const p of joined.split("/")) {
    if (p === "" || p === ".") continue;
    if (p !== "..") parts.push(p);
    else if (parts.pop() === undefined) throw new Error(`The ${what} has a member '${escapeText(name)}' linking out of the archive`);
  }
  return parts.join("/") || undefined;
};

/** Follows symlink members (bounded) to the regular file they name. */
const follow = (links: ReadonlyMap<string, string>, name: string): string => {
  let n = name;
  for (let i = 0; i < 8 && links.has(n); i++) n = links.get(n)!;
  return n;
};

/** Member names as tar writers spell them ("./index.json", "/blobs/..."), made plain; ".." is refused. */
export const memberName = (raw: string, what: string): string => {
  const parts = raw.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new Error(`The ${what} has a member named '${escapeText(raw)}' that climbs out with '..'`);
  return parts.join("/");
};

const READ_PIECE = 256 * 1024;

async function* fileStream(path: string, start: number, end: number): AsyncGenerator<Uint8Array> {
  const fd = openSync(path, "r");
  try {
    for (let at = start; at < end; ) {
      const buf = new Uint8Array(Math.min(READ_PIECE, end - at));
      const n = readSync(fd, buf, 0, buf.length, at);
      if (n === 0) throw new Error(`'${path}' ends at ${at} where ${end} bytes were expected`);
      at += n;
      yield buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

export const dirReader = (dir: string): SourceReader => ({
  what: `OCI layout '${dir}'`,
  size(name) {
    try {
      const st = statSync(join(dir, name));
      return st.isFile() ? st.size : undefined;
    } catch {
      return undefined;
    }
  },
  read: async (name) => Bun.file(join(dir, name)).bytes(),
  stream: (name, offset) => fileStream(join(dir, name), offset, statSync(join(dir, name)).size),
  close() {},
});

export const tarFileReader = (path: string): SourceReader => {
  const what = `archive '${path}'`;
  const tar: TarFile = scanTarFile(path, what);
  const members = new Map<string, { offset: number; size: number }>();
  const links = new Map<string, string>();
  for (const m of tar.members) {
    const name = memberName(m.entry.name, what);
    if (m.entry.type === "file") members.set(name, { offset: m.dataOffset, size: m.entry.size });
    else if (m.entry.type === "symlink") links.set(name, linkTarget(name, m.entry.linkname, what) ?? "");
  }
  const get = (name: string): { offset: number; size: number } => {
    const m = members.get(follow(links, name));
    if (!m) throw new Error(`The ${what} has no member '${escapeText(name)}'`);
    return m;
  };
  return {
    what,
    size: (name) => members.get(follow(links, name))?.size,
    read: async (name) => tar.read(get(name).offset, get(name).size),
    stream: (name, offset) => fileStream(path, get(name).offset + offset, get(name).offset + get(name).size),
    close: () => tar.close(),
  };
};

/** Members of a streamed archive kept in memory rather than stored: its documents. */
const isDocumentName = (name: string): boolean => /(^|\/)(index\.json|oci-layout|manifest\.json|repositories|VERSION|json|[^/]+\.json)$/.test(name) && !name.startsWith("blobs/");
/** Bound on what a streamed archive may keep in memory. */
const MAX_DOCUMENTS_BYTES = 16 * 1024 * 1024;

/**
 * Reads a tar stream once, in order: documents into memory, every other regular file into the store as it arrives
 * (a blob named by its digest, `blobs/<alg>/<hex>`, is checked and resumable; others are hashed as they are spooled).
 * Free space is checked before each member from the size its header gives. Returns a reader over what was kept.
 */
export const storeTarStream = async (source: AsyncIterable<Uint8Array>, store: ImageStore, progress: Progress, what = "archive from stdin"): Promise<SourceReader> => {
  const docs = new Map<string, Uint8Array>();
  const stored = new Map<string, { digest: string; size: number; written: boolean }>();
  const links = new Map<string, string>();
  let docBytes = 0;
  for await (const { entry, body } of readTar(source, { what })) {
    const name = memberName(entry.name, what);
    if (entry.type === "symlink") links.set(name, linkTarget(name, entry.linkname, what) ?? "");
    if (entry.type !== "file") continue;
    if (isDocumentName(name) && entry.size <= MAX_DOCUMENT_BYTES) {
      docBytes += entry.size;
      if (docBytes > MAX_DOCUMENTS_BYTES) throw new Error(`The ${what} holds more than ${MAX_DOCUMENTS_BYTES} bytes of documents`);
      const parts: Uint8Array[] = [];
      for await (const c of body()) parts.push(c.slice());
      docs.set(name, Buffer.concat(parts));
      continue;
    }
    const named = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/.exec(name);
    const target = { digest: named ? `${named[1]}:${named[2]}` : undefined, size: entry.size, what: `member '${escapeText(name)}' of the ${what}` };
    const { digest, written } = await copyBlob(store, target, { from: (offset) => after(body(), offset) }, progress, "import");
    stored.set(name, { digest, size: entry.size, written });
  }
  const resolve = (name: string): string => follow(links, name);
  return {
    what,
    size: (name) => docs.get(resolve(name))?.length ?? stored.get(resolve(name))?.size,
    async read(name) {
      const doc = docs.get(resolve(name));
      if (doc) return doc;
      const s = stored.get(resolve(name));
      if (!s) throw new Error(`The ${what} has no member '${escapeText(name)}'`);
      return store.readBlob(s.digest, MAX_DOCUMENT_BYTES, `member '${escapeText(name)}'`);
    },
    async *stream(name, offset) {
      const doc = docs.get(resolve(name));
      if (doc) return yield doc.subarray(offset);
      const s = stored.get(resolve(name));
      if (!s) throw new Error(`The ${what} was read once; member '${escapeText(name)}' is not in the store`);
      yield* after(store.blobChunks(s.digest), offset);
    },
    storedAs: (name) => stored.get(resolve(name)),
    close() {},
  };
};
