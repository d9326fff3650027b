import { describe, expect, test } from "bun:test";
import { extractLayer, type ExtractOptions } from "../../../image/unpack/extract.ts";
import { readTar } from "../../../image/tar/tar-reader.ts";
import { chunked, tarBytes, type TarMember } from "../../support/tar-writer.ts";
import { MemoryTree } from "../fakes/memory-tree.ts";

const opts = (mode: ExtractOptions["mode"], extra: Partial<ExtractOptions> = {}): ExtractOptions => ({ mode, chown: true, devices: false, what: "layer 1", ...extra });

const apply = async (tree: MemoryTree, members: TarMember[], o: ExtractOptions) => extractLayer(readTar(chunked(tarBytes(members), 300), { what: o.what }), tree, o);

describe("extractLayer", () => {
  test("writes files, directories, symlinks, hard links and fifos with their metadata", async () => {
    const tree = new MemoryTree();
    const stats = await apply(
      tree,
      [
        { name: "./", type: "dir" },
        { name: "bin/", type: "dir", mode: 0o755, mtime: 5 },
        { name: "bin/busybox", data: "elf", mode: 0o4755, uid: 1, gid: 2, mtime: 7, xattrs: { "security.capability": "x" } },
        { name: "bin/sh", type: "symlink", linkname: "busybox" },
        { name: "bin/ash", type: "hardlink", linkname: "bin/busybox" },
        { name: "run/fifo", type: "fifo", mode: 0o600 },
      ],
      opts("layer"),
    );
    expect(tree.listing()).toEqual(["/bin dir", "/bin/ash file", "/bin/busybox file", "/bin/sh symlink -> busybox", "/run dir", "/run/fifo fifo"]);
    const bb = tree.node("/bin/busybox")!;
    expect([bb.mode, bb.uid, bb.gid, bb.mtime, new TextDecoder().decode(bb.data)]).toEqual([0o4755, 1, 2, 7, "elf"]);
    expect(bb.xattrs.get("security.capability")).toBe("x");
    expect(tree.node("/bin/ash")).toBe(bb);
    expect(tree.node("/bin")!.mtime).toBe(5);
    expect(stats.bytes).toBe(3);
  });

  test("in a layer directory, whiteouts become 0/0 character devices and opaque directories get the overlay xattr", async () => {
    const tree = new MemoryTree();
    const stats = await apply(tree, [{ name: "etc/", type: "dir" }, { name: "etc/.wh.passwd" }, { name: "var/.wh..wh..opq" }, { name: ".wh..wh.plnk/" , type: "dir" }], opts("layer"));
    expect(tree.listing()).toEqual(["/etc dir", "/etc/passwd char 0:0", "/var dir"]);
    expect(tree.node("/var")!.xattrs.get("trusted.overlay.opaque")).toBe("y");
    expect(stats.whiteouts).toBe(3);
  });

  test("flattening, a whiteout deletes what a lower layer made and leaves what its own layer made", async () => {
    const tree = new MemoryTree();
    await apply(tree, [{ name: "a/old", data: "1" }, { name: "a/keep", data: "1" }, { name: "b/x", data: "1" }, { name: "c/lower", data: "1" }], opts("flatten"));
    await apply(
      tree,
      [{ name: "a/.wh.old" }, { name: "b/.wh..wh..opq" }, { name: "b/y", data: "2" }, { name: "c/new", data: "2" }, { name: "c/.wh..wh..opq" }, { name: "d", data: "3" }, { name: ".wh.d" }],
      opts("flatten"),
    );
    expect(tree.listing()).toEqual(["/a dir", "/a/keep file", "/b dir", "/b/y file", "/c dir", "/c/new file", "/d file"]);
  });

  test("a later entry replaces an earlier one of the same name; a directory is merged", async () => {
    const tree = new MemoryTree();
    await apply(tree, [{ name: "x", data: "1" }, { name: "x", type: "symlink", linkname: "/etc" }, { name: "d/", type: "dir" }, { name: "d/f", data: "1" }, { name: "d/", type: "dir", mode: 0o700 }], opts("layer"));
    expect(tree.listing()).toEqual(["/d dir", "/d/f file", "/x symlink -> /etc"]);
    expect(tree.node("/d")!.mode).toBe(0o700);
  });

  test("device nodes are skipped unless allowed, and trusted.overlay xattrs always", async () => {
    const tree = new MemoryTree();
    const stats = await apply(tree, [{ name: "dev/sda", type: "block", devmajor: 8 }, { name: "f", data: "", xattrs: { "trusted.overlay.redirect": "/x", "user.a": "b" } }], opts("layer"));
    expect(tree.listing()).toEqual(["/dev dir", "/f file"]);
    expect(stats.skipped).toEqual({ devices: 1, overlayXattrs: 1, xattrs: 0 });
    expect([...tree.node("/f")!.xattrs.keys()]).toEqual(["user.a"]);
    const allowed = new MemoryTree();
    await apply(allowed, [{ name: "dev/null", type: "char", devmajor: 1, devminor: 3 }], opts("layer", { devices: true }));
    expect(allowed.listing()).toEqual(["/dev dir", "/dev/null char 1:3"]);
  });

  test("absolute names stay inside the tree", async () => {
    const tree = new MemoryTree();
    await apply(tree, [{ name: "/etc/passwd", data: "root" }], opts("layer"));
    expect(tree.listing()).toEqual(["/etc dir", "/etc/passwd file"]);
  });

  describe("hostile entries end in one clear line", () => {
    const refused = async (members: TarMember[], mode: ExtractOptions["mode"] = "layer") => {
      const tree = new MemoryTree();
      return apply(tree, members, opts(mode)).then(
        () => "accepted",
        (e: Error) => e.message,
      );
    };
    test("a name climbing out with '..'", async () => expect(await refused([{ name: "../../etc/passwd", data: "x" }])).toBe("The layer 1 has an entry '../../etc/passwd' that climbs out with '..': refused"));
    test("a '..' in the middle", async () => expect(await refused([{ name: "a/../../x", data: "x" }])).toContain("climbs out"));
    test("a hard link climbing out", async () => expect(await refused([{ name: "x", type: "hardlink", linkname: "../../etc/shadow" }])).toContain("climbs out"));
    test("a whiteout of '..'", async () => expect(await refused([{ name: "a/.wh..." }])).toBe("The layer 1 has a whiteout '/a/.wh...' of '..': refused"));
    test("a hard link to what the layer does not hold", async () => expect(await refused([{ name: "x", type: "hardlink", linkname: "etc/shadow" }])).toBe("The layer 1 has a hard link 'x' to 'etc/shadow', which this layer does not hold"));
    test("a hard link to a directory", async () => expect(await refused([{ name: "d/", type: "dir" }, { name: "x", type: "hardlink", linkname: "d" }])).toContain("cannot be linked"));
  });

  test("a file written through a symlink the layer planted lands inside the tree", async () => {
    const tree = new MemoryTree();
    await apply(tree, [{ name: "escape", type: "symlink", linkname: "../../../../tmp" }, { name: "escape/owned", data: "x" }], opts("flatten"));
    // The link's target is resolved inside the tree: /tmp of the tree, never the host's.
    expect(tree.listing()).toEqual(["/escape symlink -> ../../../../tmp", "/tmp dir", "/tmp/owned file"]);
  });
});
