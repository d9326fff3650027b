// `npm run layers`: the layer table (order.ts) as Markdown, for the README's layout section.
import { LAYERS } from "./order.ts";

export const layerTable = (): string => {
  const rows = LAYERS.flatMap((units, layer) =>
    units.map((u) => `| ${layer} | \`${u.path}\` | ${u.holds} | ${(u.alsoImports ?? []).map((p) => `\`${p}\``).join(", ")} |`),
  );
  return ["| layer | path | holds | also imports (same layer) |", "|---|---|---|---|", ...rows].join("\n");
};

if (import.meta.main) console.log(layerTable());
