// Start order from dependsOn: dependencies first (stop order is the reverse), and the cycle that makes an order
// impossible, named. Names absent from the graph are treated as having no dependencies.

export type DependencyGraph = ReadonlyMap<string, readonly string[]>;

/** The first cycle found, as a path that ends where it starts (a -> b -> a), or undefined. */
export const dependencyCycle = (graph: DependencyGraph): string[] | undefined => {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === "done") return undefined;
    if (state.get(name) === "visiting") return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, "visiting");
    stack.push(name);
    for (const dep of [...(graph.get(name) ?? [])].sort()) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, "done");
    return undefined;
  };
  for (const name of [...graph.keys()].sort()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
};

/** Every name of the graph, each after its dependencies, ties by name; throws on a cycle. */
export const dependencyOrder = (graph: DependencyGraph): string[] => {
  const cycle = dependencyCycle(graph);
  if (cycle) throw new Error(`Dependency cycle: ${cycle.join(" -> ")}`);
  const out: string[] = [];
  const placed = new Set<string>();
  const place = (name: string): void => {
    if (placed.has(name)) return;
    placed.add(name);
    for (const dep of [...(graph.get(name) ?? [])].sort()) if (graph.has(dep)) place(dep);
    out.push(name);
  };
  for (const name of [...graph.keys()].sort()) place(name);
  return out;
};
