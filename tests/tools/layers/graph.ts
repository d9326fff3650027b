// bunker's import graph: every relative import (static, `export ... from`, dynamic `import()`) of the source folders,
// checked against the layer table (order.ts): imports against the order, between folders kept apart, and cycles
// between files or between sibling folders.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";
import ts from "typescript";
import { APART, LAYERS, ROOTS, type Unit } from "./order.ts";

export interface Import {
  from: string;
  line: number;
  to: string;
}

export const REPO = join(import.meta.dir, "../../..");

const sources = (dir: string): string[] =>
  readdirSync(join(REPO, dir), { withFileTypes: true }).flatMap((e) => {
    const path = posix.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : sources(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });

/** Every relative import of every .ts file under the roots, with repository-relative paths. */
export const scanImports = (roots: readonly string[] = ROOTS): Import[] =>
  roots.flatMap((root) => {
    try {
      return sources(root);
    } catch {
      return []; // a root that does not exist (yet)
    }
  }).flatMap((from) => {
    const text = readFileSync(join(REPO, from), "utf8");
    return ts.preProcessFile(text, true, true).importedFiles
      .filter((f) => f.fileName.startsWith("."))
      .map((f) => ({
        from,
        line: text.slice(0, f.pos).split("\n").length,
        to: relative(REPO, join(REPO, dirname(from), f.fileName)),
      }));
  });

interface Placed {
  unit: Unit;
  layer: number;
}

const UNITS: Placed[] = LAYERS.flatMap((units, layer) => units.map((unit) => ({ unit, layer })));

/** The row of the table a file belongs to, or undefined when the table does not cover it. */
export const unitOf = (file: string): Placed | undefined => {
  const exact = UNITS.find((u) => u.unit.path === file);
  if (exact) return exact;
  const files = UNITS.find((u) => u.unit.path.endsWith("/*.ts") && dirname(file) === u.unit.path.slice(0, -"/*.ts".length));
  if (files) return files;
  return UNITS.filter((u) => u.unit.path.endsWith("/") && file.startsWith(u.unit.path)).sort((a, b) => b.unit.path.length - a.unit.path.length)[0];
};

const where = (i: Import): string => `${i.from}:${i.line}`;

/** One line per import that runs against the table, and per file the table does not place. */
export const orderViolations = (imports: readonly Import[]): string[] => {
  const out: string[] = [];
  const files = new Set(imports.flatMap((i) => [i.from, i.to]));
  for (const f of [...files].sort()) if (!unitOf(f)) out.push(`${f}: not in the layer table (tests/tools/layers/order.ts)`);
  for (const i of imports) {
    const a = unitOf(i.from);
    const b = unitOf(i.to);
    if (!a || !b || a.unit === b.unit) continue;
    if (b.layer > a.layer) out.push(`${where(i)}: imports ${i.to}, a higher layer (${a.unit.path} is below ${b.unit.path})`);
    else if (b.layer === a.layer && !a.unit.alsoImports?.includes(b.unit.path))
      out.push(`${where(i)}: imports ${i.to}: ${a.unit.path} may not import ${b.unit.path} (same layer, not in its row)`);
  }
  for (const i of imports) {
    for (const [x, y] of APART) {
      if ((i.from.startsWith(x) && i.to.startsWith(y)) || (i.from.startsWith(y) && i.to.startsWith(x)))
        out.push(`${where(i)}: imports ${i.to}: ${x} and ${y} are kept apart`);
    }
  }
  return out;
};

/** Strongly connected components of more than one node (Tarjan), each sorted. */
const cycles = (edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] => {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
};

const addEdge = (edges: Map<string, Set<string>>, a: string, b: string): void => {
  if (!edges.has(a)) edges.set(a, new Set());
  edges.get(a)!.add(b);
};

/** Each cycle between files, with the imports that close it. */
export const fileCycles = (imports: readonly Import[]): string[] => {
  const edges = new Map<string, Set<string>>();
  for (const i of imports) addEdge(edges, i.from, i.to);
  return cycles(edges).map((scc) => {
    const inside = imports.filter((i) => scc.includes(i.from) && scc.includes(i.to));
    return `cycle between ${scc.join(", ")}: ${inside.map((i) => `${where(i)} -> ${i.to}`).join("; ")}`;
  });
};

/**
 * Each cycle between folders: between the table's folders, and between sibling folders inside one of them
 * (runtime/cgroups/v1 <-> runtime/cgroups/v2). board/ sits between runtime/'s layers, so runtime/ and board/ as
 * wholes are not compared: the table's order is what holds there.
 */
export const folderCycles = (imports: readonly Import[]): string[] => {
  const edges = new Map<string, Set<string>>();
  const why = new Map<string, Import>();
  for (const i of imports) {
    const ua = unitOf(i.from)?.unit.path;
    const ub = unitOf(i.to)?.unit.path;
    if (!ua || !ub) continue;
    let x = ua;
    let y = ub;
    if (ua === ub && ua.endsWith("/")) {
      // The children of the deepest folder holding both files, when neither file sits in that folder itself.
      const a = dirname(i.from).split("/");
      const b = dirname(i.to).split("/");
      let k = 0;
      while (k < a.length && k < b.length && a[k] === b[k]) k++;
      if (k >= a.length || k >= b.length) continue;
      x = a.slice(0, k + 1).join("/");
      y = b.slice(0, k + 1).join("/");
    }
    if (x === y) continue;
    addEdge(edges, x, y);
    if (!why.has(`${x} ${y}`)) why.set(`${x} ${y}`, i);
  }
  return cycles(edges).map((scc) => {
    const shown = [...why].filter(([k]) => {
      const [x, y] = k.split(" ");
      return scc.includes(x!) && scc.includes(y!);
    });
    return `cycle between folders ${scc.join(", ")}: ${shown.map(([, i]) => `${where(i)} -> ${i.to}`).join("; ")}`;
  });
};
