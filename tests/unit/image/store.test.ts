import { describe, expect, test } from "bun:test";
import { FaultStorage } from "../../../runtime/durable/fault-storage.ts";
import { digestOf } from "../../../image/digest.ts";
import { blobPath, partialPath } from "../../../image/store/layout.ts";
import { collectGarbage } from "../../../image/store/gc.ts";
import { findImage } from "../../../image/store/reach.ts";
import { openFaultStore, STORE_DIR } from "../fakes/image-store.ts";

const bytes = (n: number, seed = 1): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe("blob writer", () => {
  test("commits a blob only when size and digest match, and makes it durable before it is visible", () => {
    const storage = new FaultStorage();
    const store = openFaultStore(storage);
    const data = bytes(10_000);
    const digest = digestOf(data);
    const w = store.writeBlob({ digest, size: data.length, what: "blob" });
    w.write(data);
    expect(w.commit()).toBe(digest);
    store.syncNames();
    // What the next boot sees, losing every unsynced write: the blob is whole.
    const after = new FaultStorage(storage.afterCut("drop", 1));
    expect(after.read(blobPath(openFaultStore(after).layout, digest))).toEqual(data);
  });

  test("a digest mismatch removes the partial blob and names both digests", () => {
    const store = openFaultStore();
    const data = bytes(100);
    const wrong = digestOf(bytes(100, 2));
    const w = store.writeBlob({ digest: wrong, size: 100, what: "layer 1" });
    w.write(data);
    expect(() => w.commit()).toThrow(`layer 1: digest mismatch: expected ${wrong}, got ${digestOf(data)}; the partial blob was removed`);
    expect(store.deps.storage.size(partialPath(store.layout, wrong))).toBeUndefined();
    expect(store.listBlobs()).toEqual([]);
  });

  test("more bytes than the descriptor gives are refused at once", () => {
    const store = openFaultStore();
    const w = store.writeBlob({ digest: digestOf(bytes(10)), size: 10, what: "layer 1" });
    expect(() => w.write(bytes(11))).toThrow("layer 1: more than the 10 bytes its descriptor gives; the partial blob was removed");
  });

  test("a writer cut short resumes from its last checkpoint, re-hashing what it keeps", () => {
    const storage = new FaultStorage();
    let store = openFaultStore(storage, { checkpointBytes: 4096 });
    const data = bytes(20_000);
    const digest = digestOf(data);
    const w = store.writeBlob({ digest, size: data.length, what: "blob" });
    for (let at = 0; at < 9000; at += 1000) w.write(data.subarray(at, at + 1000));
    w.close();
    // The power goes: what was written after the checkpoint at 5000 bytes (the first write past 4096) may be lost or torn.
    const rebooted = new FaultStorage(storage.afterCut("torn", 7));
    store = openFaultStore(rebooted, { checkpointBytes: 4096 });
    expect(store.partialBytes(digest)).toBe(5000);
    const again = store.writeBlob({ digest, size: data.length, what: "blob" });
    expect(again.offset).toBe(5000);
    again.write(data.subarray(5000));
    expect(again.commit()).toBe(digest);
  });
});

describe("image store", () => {
  const named = (store: ReturnType<typeof openFaultStore>, name: string) => {
    const data = new TextEncoder().encode(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"${digestOf(new Uint8Array(0))}","size":0},"layers":[],"annotations":{"n":"${name}"}}`);
    const digest = digestOf(data);
    const w = store.writeBlob({ digest, size: data.length, what: "manifest" });
    w.write(data);
    w.commit();
    store.setNames([{ name, digest, manifest: digest, platform: "linux/arm64", created: 1 }]);
    return digest;
  };

  test("names, pins and uses survive a reopen, and the space check says what is missing", () => {
    const storage = new FaultStorage();
    const store = openFaultStore(storage, { free: 5 * 1024 * 1024 });
    const digest = named(store, "docker.io/library/a:1");
    store.pin("running", digest);
    const again = openFaultStore(new FaultStorage(storage.afterCut("drop", 1)));
    expect(findImage(again, "a:1").manifest).toBe(digest);
    expect(findImage(again, digest.slice(7, 20)).name).toBe("docker.io/library/a:1");
    // By a reference pinned to the digest, whatever name it was stored under.
    expect(findImage(again, `localhost:5000/app@${digest}`).manifest).toBe(digest);
    expect(() => findImage(again, `a@${digestOf(bytes(2))}`)).toThrow("is not in the image store");
    expect(again.pins("running")).toEqual([{ set: "running", digest }]);
    expect(() => store.requireSpace([{ digest: digestOf(bytes(1)), size: 10 * 1024 * 1024 }], "Pull of x")).toThrow(
      "Pull of x needs 10.0 MiB more on the image store's file system (1 of 1 blobs are new) and 5.0 MiB is free: 6.0 MiB missing",
    );
    expect(store.budget([{ digest, size: 999 }]).needed).toBe(0);
  });

  test("gc keeps what names and pins reach and removes the rest", () => {
    const store = openFaultStore();
    const kept = named(store, "docker.io/library/a:1");
    const pinned = named(store, "docker.io/library/b:1");
    const loose = digestOf(bytes(5));
    const w = store.writeBlob({ digest: loose, size: 5, what: "loose" });
    w.write(bytes(5));
    w.commit();
    store.pin("last-known-good", pinned);
    store.removeName("docker.io/library/b:1");
    const report = collectGarbage(store);
    expect(report.blobs.map((b) => b.digest)).toEqual([loose]);
    expect(store.hasBlob(kept) && store.hasBlob(pinned)).toBe(true);
    store.unpin("last-known-good");
    expect(collectGarbage(store).blobs.map((b) => b.digest)).toEqual([pinned]);
    expect(STORE_DIR).toBe(store.layout.dir);
  });
});
