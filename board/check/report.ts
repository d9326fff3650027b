// The shape of `bunker board check`: items with a status and, when not ok, what bunker loses; TypeBox so the JSON
// output can be exported as a schema and checked by consumers.
import { type Static, Type } from "@sinclair/typebox";

export const CheckStatusSchema = Type.Union([Type.Literal("ok"), Type.Literal("degraded"), Type.Literal("missing")]);
export type CheckStatus = Static<typeof CheckStatusSchema>;

export const CheckItemSchema = Type.Object({
  id: Type.String({ description: "Stable dotted name, e.g. 'namespace.user' or 'cgroup.controller.memory'" }),
  group: Type.String({ description: "Section of the report: kernel, namespaces, cgroups, pressure, process, filesystems, memory, cpu, checkpoint" }),
  title: Type.String(),
  status: CheckStatusSchema,
  required: Type.Boolean({ description: "bunker cannot run containers when a required item is missing" }),
  detail: Type.String({ description: "What was found, and where" }),
  loss: Type.Optional(Type.String({ description: "What bunker loses without it (only when not ok)" })),
});
export type CheckItem = Static<typeof CheckItemSchema>;

export const CheckReportSchema = Type.Object(
  {
    kernel: Type.String({ description: "Kernel release" }),
    arch: Type.String({ description: "Machine architecture as the kernel names it" }),
    ok: Type.Boolean({ description: "Every required item is present (ok or degraded)" }),
    counts: Type.Object({ ok: Type.Integer(), degraded: Type.Integer(), missing: Type.Integer() }),
    items: Type.Array(CheckItemSchema),
  },
  { $id: "https://bunker.invalid/schemas/board-check.json", title: "bunker board check report" },
);
export type CheckReport = Static<typeof CheckReportSchema>;

/** An item builder that states the loss once and attaches it only when the status is not ok. */
export const item = (
  base: { id: string; group: string; title: string; required?: boolean; loss: string },
  status: CheckStatus,
  detail: string,
): CheckItem => ({
  id: base.id,
  group: base.group,
  title: base.title,
  status,
  required: base.required ?? false,
  detail,
  ...(status === "ok" ? {} : { loss: base.loss }),
});

export const summarize = (kernel: string, arch: string, items: CheckItem[]): CheckReport => ({
  kernel,
  arch,
  ok: items.every((i) => !i.required || i.status !== "missing"),
  counts: {
    ok: items.filter((i) => i.status === "ok").length,
    degraded: items.filter((i) => i.status === "degraded").length,
    missing: items.filter((i) => i.status === "missing").length,
  },
  items,
});

const MARK: Record<CheckStatus, string> = { ok: "ok", degraded: "degraded", missing: "MISSING" };

/** The report for a terminal, grouped, in the spirit of lxc-checkconfig. */
export const renderText = (r: CheckReport): string => {
  const lines = [`bunker board check: kernel ${r.kernel}, ${r.arch}`];
  for (const group of [...new Set(r.items.map((i) => i.group))]) {
    lines.push("", `${group}:`);
    for (const i of r.items.filter((x) => x.group === group)) {
      lines.push(`  ${i.title.padEnd(40)} ${MARK[i.status].padEnd(9)} ${i.required ? "(required) " : ""}${i.detail}`);
      if (i.loss) lines.push(`  ${"".padEnd(40)} ${"".padEnd(9)} without it: ${i.loss}`);
    }
  }
  lines.push(
    "",
    `${r.counts.ok} ok, ${r.counts.degraded} degraded, ${r.counts.missing} missing: ${r.ok ? "every required feature is present" : "a required feature is missing"}`,
  );
  return lines.join("\n");
};
