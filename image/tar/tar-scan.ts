// The members of a tar file found by reading only its headers (seeking over the data): an archive on disk is
// planned (what it holds, what the store lacks, whether it fits) before a byte of it is stored.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { BLOCK, paddedSize, TarHeaders, type TarEntry } from "./tar-reader.ts";

export interface ScannedMember {
  entry: TarEntry;
  /** Where the member's data starts in the file. */
  dataOffset: number;
}

const MAX_MEMBERS = 100_000;

export interface TarFile {
  members: ScannedMember[];
  /** Reads `length` bytes at `offset` of the file (documents named by the members). */
  read(offset: number, length: number): Uint8Array;
  close(): void;
}

export const scanTarFile = (path: string, what: string): TarFile => {
  const fd = openSync(path, "r");
  const read = (offset: number, length: number): Uint8Array => {
    const buf = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  };
  try {
    const size = fstatSync(fd).size;
    const headers = new TarHeaders(what);
    const members: ScannedMember[] = [];
    for (let at = 0; at < size; ) {
      const h = read(at, BLOCK);
      const block = headers.classify(h, at);
      if (block.kind === "end") break;
      if (block.kind === "extension") {
        headers.extension(block.flag, read(at + BLOCK, block.size));
        at += BLOCK + paddedSize(block.size);
        continue;
      }
      const entry = headers.entry(h, at);
      if (at + BLOCK + entry.size > size) throw new Error(`The ${what} ends inside the data of '${entry.name}'`);
      members.push({ entry, dataOffset: at + BLOCK });
      if (members.length > MAX_MEMBERS) throw new Error(`The ${what} has more than ${MAX_MEMBERS} members`);
      at += BLOCK + paddedSize(entry.size);
    }
    return { members, read, close: () => closeSync(fd) };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
};
