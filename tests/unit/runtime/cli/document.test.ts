import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readDocument } from "../../../../runtime/cli/document.ts";
import { tempDirs } from "../../../support/temp.ts";

const temp = tempDirs();
const SMALL = { what: "the update", maxBytes: 1000, urls: true };

// A server that streams its body in chunks without a Content-Length: only the reader's own count can stop it.
let sent = 0;
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(req) {
    const total = Number(new URL(req.url).searchParams.get("bytes"));
    if (!total) return new Response("gone", { status: 404, statusText: "Not Found" });
    let left = total;
    return new Response(
      new ReadableStream({
        pull(c) {
          if (left <= 0) return c.close();
          const n = Math.min(300, left);
          left -= n;
          sent += n;
          c.enqueue(new Uint8Array(n).fill(0x61));
        },
      }),
    );
  },
});
afterAll(() => server.stop(true));
const url = (bytes: number) => `http://127.0.0.1:${server.port}/u?bytes=${bytes}`;

const failure = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    const e = err as Error;
    return `${e.message}: ${(e.cause as Error).message}`;
  }
  throw new Error("expected a refusal");
};

describe("readDocument", () => {
  test("a file within the bound is read whole, one over it is refused naming the bound", async () => {
    const dir = temp("doc-");
    writeFileSync(join(dir, "ok"), "x".repeat(1000));
    writeFileSync(join(dir, "big"), "x".repeat(1001));
    expect(await readDocument(join(dir, "ok"), SMALL)).toBe("x".repeat(1000));
    expect(await failure(readDocument(join(dir, "big"), SMALL))).toBe(`Cannot read the update '${join(dir, "big")}': more than 1000 bytes, the most the update can hold`);
  });

  test("a URL without a length is read only up to the bound", async () => {
    expect(await readDocument(url(900), SMALL)).toBe("a".repeat(900));
    sent = 0;
    expect(await failure(readDocument(url(1e9), SMALL))).toBe(`Cannot read the update '${url(1e9)}': more than 1000 bytes, the most the update can hold`);
    // The stream is abandoned at the bound: the server got ahead only by what loopback's socket buffers hold (a few
    // MB here), never the gigabyte it offers.
    expect(sent).toBeLessThan(32 * 2 ** 20);
    expect(await failure(readDocument(url(0), SMALL))).toBe(`Cannot read the update '${url(0)}': the server answered 404 Not Found`);
  });

  test("without urls, an http address is a file name", async () => {
    expect(await failure(readDocument(url(900), { ...SMALL, what: "the target state", urls: false }))).toStartWith(`Cannot read the target state '${url(900)}': `);
  });
});
