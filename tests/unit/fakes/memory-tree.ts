// An in-memory TreeWriter that resolves paths the way the in-root handle does (symlinks followed inside the tree,
// never out; '..' never above the root) and fails loudly on what the extractor must never do: write through a
// final symlink, create over an existing entry, link a directory.
import type { EntryKind, FileSink, TreeWriter } from "../../../image/unpack/tree.ts";

export interface Node {
  kind: "dir" | "file" | "symlink" | "char" | "block" | "fifo";
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  data?: Uint8Array;
  target?: string;
  dev?: [number, number];
  children?: Map<string, Node>;
  xattrs: Map<string, string>;
}

const err = (code: string, what: string): Error => Object.assign(new Error(`${code}: ${what}`), { code });

export class MemoryTree implements TreeWriter {
  root: Node = { kind: "dir", mode: 0o755, uid: 0, gid: 0, mtime: 0, children: new Map(), xattrs: new Map() };
  syncs = 0;
  /** Every mutating call, in order (for cut tests and for asserting what happened). */
  log: string[] = [];

  /** The parent directory node of `path` and its final name, following symlinks on the way inside the tree. */
  private parent(path: string, hops = 0): { dir: Node; name: string } {
    const parts = path.split("/").filter((p) => p && p !== ".");
    const name = parts.pop();
    if (name === undefined) throw err("EINVAL", path);
    return { dir: this.walk(parts, hops), name };
  }

  /** The directory `parts` lead to; a symlink restarts the walk from the root with its target spliced in. */
  private walk(parts: string[], hops: number): Node {
    const names: string[] = [];
    const nodes: Node[] = [this.root];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (p === "..") {
        if (names.length) {
          names.pop();
          nodes.pop();
        }
        continue;
      }
      const next = nodes[nodes.length - 1]!.children?.get(p);
      if (!next) throw err("ENOENT", parts.join("/"));
      if (next.kind === "symlink") {
        if (hops > 40) throw err("ELOOP", parts.join("/"));
        const target = next.target!.split("/").filter((x) => x && x !== ".");
        return this.walk([...(next.target!.startsWith("/") ? [] : names), ...target, ...parts.slice(i + 1)], hops + 1);
      }
      if (next.kind !== "dir") throw err("ENOTDIR", parts.join("/"));
      names.push(p);
      nodes.push(next);
    }
    return nodes[nodes.length - 1]!;
  }

  node(path: string): Node | undefined {
    if (path === "/" || path === "") return this.root;
    try {
      const { dir, name } = this.parent(path);
      return dir.children!.get(name);
    } catch {
      return undefined;
    }
  }

  private add(path: string, n: Node): void {
    const { dir, name } = this.parent(path);
    if (dir.children!.has(name)) throw err("EEXIST", path);
    dir.children!.set(name, n);
  }

  private fresh(kind: Node["kind"], mode: number): Node {
    return { kind, mode, uid: 0, gid: 0, mtime: 0, xattrs: new Map(), ...(kind === "dir" ? { children: new Map() } : {}) };
  }

  lstat(path: string): EntryKind | undefined {
    const n = this.node(path);
    return n === undefined ? undefined : n.kind === "dir" || n.kind === "file" || n.kind === "symlink" ? n.kind : "other";
  }

  /** mkdir -p as the in-root handle does it: a symlink on the way is followed (inside the tree), its target made. */
  mkdirAll(path: string, hops = 0): void {
    this.log.push(`mkdirAll ${path}`);
    const cur: string[] = [];
    for (const p of path.split("/").filter((x) => x && x !== ".")) {
      if (p === "..") {
        cur.pop();
        continue;
      }
      const full = `/${[...cur, p].join("/")}`;
      const n = this.node(full);
      if (!n) this.add(full, this.fresh("dir", 0o755));
      else if (n.kind === "symlink") {
        if (hops > 40) throw err("ELOOP", path);
        const target = n.target!.startsWith("/") ? n.target! : `/${[...cur, n.target!].join("/")}`;
        const resolved: string[] = [];
        for (const q of target.split("/").filter((x) => x && x !== ".")) q === ".." ? resolved.pop() : resolved.push(q);
        this.mkdirAll(`/${resolved.join("/")}`, hops + 1);
        cur.splice(0, cur.length, ...resolved);
        continue;
      } else if (n.kind !== "dir") throw err("ENOTDIR", full);
      cur.push(p);
    }
  }

  mkdir(path: string, mode: number): void {
    this.log.push(`mkdir ${path}`);
    this.add(path, this.fresh("dir", mode));
  }

  createFile(path: string, mode: number): FileSink {
    this.log.push(`create ${path}`);
    const n = this.fresh("file", mode);
    n.data = new Uint8Array(0);
    this.add(path, n);
    const parts: Uint8Array[] = [];
    return { write: (c) => void parts.push(c.slice()), close: () => void (n.data = Buffer.concat(parts)) };
  }

  symlink(target: string, path: string): void {
    this.log.push(`symlink ${path} -> ${target}`);
    this.add(path, { ...this.fresh("symlink", 0o777), target });
  }

  link(existing: string, path: string): void {
    this.log.push(`link ${path} => ${existing}`);
    const { dir, name } = this.parent(existing);
    const n = dir.children!.get(name);
    if (!n) throw err("ENOENT", existing);
    if (n.kind === "dir") throw err("EPERM", existing);
    this.add(path, n);
  }

  mknod(path: string, kind: "char" | "block" | "fifo", mode: number, major: number, minor: number): void {
    this.log.push(`mknod ${path} ${kind} ${major}:${minor}`);
    this.add(path, { ...this.fresh(kind, mode), dev: [major, minor] });
  }

  removeAll(path: string): void {
    this.log.push(`removeAll ${path}`);
    try {
      const { dir, name } = this.parent(path);
      dir.children!.delete(name);
    } catch {
      // nothing there
    }
  }

  list(path: string): string[] {
    return [...(this.node(path)?.children?.keys() ?? [])];
  }

  private entry(path: string): Node {
    const n = this.node(path);
    if (!n) throw err("ENOENT", path);
    return n;
  }

  lchown(path: string, uid: number, gid: number): void {
    Object.assign(this.entry(path), { uid, gid });
  }

  chmod(path: string, mode: number): void {
    const n = this.entry(path);
    if (n.kind === "symlink") throw new Error(`chmod of the symlink '${path}'`);
    n.mode = mode;
  }

  utimes(path: string, mtime: number): void {
    this.entry(path).mtime = mtime;
  }

  setxattr(path: string, name: string, value: Uint8Array): void {
    this.entry(path).xattrs.set(name, new TextDecoder().decode(value));
  }

  sync(): void {
    this.syncs++;
  }

  /** "path kind" lines of the whole tree, sorted: a readable picture for assertions. */
  listing(): string[] {
    const out: string[] = [];
    const visit = (n: Node, p: string): void => {
      for (const [name, c] of n.children ?? []) {
        const path = `${p}/${name}`;
        out.push(`${path} ${c.kind}${c.kind === "symlink" ? ` -> ${c.target}` : ""}${c.dev && c.kind === "char" ? ` ${c.dev.join(":")}` : ""}`);
        if (c.kind === "dir") visit(c, path);
      }
    };
    visit(this.root, "");
    return out.sort();
  }
}
