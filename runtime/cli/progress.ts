// How long image steps show their progress: on a terminal, a live line per item on stderr (bytes, rate, ETA);
// with --json, JSON lines on stdout (begin, progress at most twice a second, end, note); otherwise nothing.
import { Type } from "@sinclair/typebox";
import { silentProgress, type Progress, type ProgressStep } from "../../image/progress.ts";
import { formatBytes } from "../units.ts";
import type { GlobalOptions } from "./command.ts";

interface Item {
  id: string;
  step: ProgressStep;
  label: string;
  total: number;
  done: number;
  started: number;
  /** Bytes held at the start (resumed): not counted in the rate. */
  base: number;
  lastJson: number;
}

/** A JSON line of `image pull|import|verify|bundle --json`: progress events, then the result. */
export const ProgressEventSchema = Type.Union([
  Type.Object({ event: Type.Literal("begin"), id: Type.String(), step: Type.String(), label: Type.String(), total: Type.Integer(), done: Type.Integer() }),
  Type.Object({ event: Type.Literal("progress"), id: Type.String(), step: Type.String(), done: Type.Integer(), total: Type.Integer() }),
  Type.Object({ event: Type.Literal("end"), id: Type.String(), step: Type.Optional(Type.String()), outcome: Type.Union([Type.Literal("done"), Type.Literal("exists"), Type.Literal("failed")]), done: Type.Optional(Type.Integer()), total: Type.Optional(Type.Integer()) }),
  Type.Object({ event: Type.Literal("note"), message: Type.String() }),
  Type.Object({ event: Type.Literal("result") }, { additionalProperties: true, description: "the command's result (ImportResult, PullResult, VerifyResult, ...) with event: result" }),
]);

const REDRAW_MS = 100;
const JSON_EVERY_MS = 500;

const eta = (seconds: number): string => (seconds >= 3600 ? `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m` : seconds >= 60 ? `${Math.floor(seconds / 60)}m${Math.round(seconds % 60)}s` : `${Math.round(seconds)}s`);

const line = (it: Item, outcome?: string): string => {
  const secs = (Date.now() - it.started) / 1000;
  const rate = secs > 0 ? (it.done - it.base) / secs : 0;
  const size = it.total ? `${formatBytes(it.done)} / ${formatBytes(it.total)}` : formatBytes(it.done);
  const tail = outcome ?? (rate > 0 && it.total ? `${formatBytes(rate)}/s, ${eta((it.total - it.done) / rate)} left` : "");
  return `${it.step} ${it.id}: ${size}${tail ? ` (${tail})` : ""}`;
};

/** Live lines on a terminal: finished items print once, the active ones are redrawn in place. */
const terminalProgress = (out: NodeJS.WriteStream): Progress => {
  const active = new Map<string, Item>();
  let drawn = 0;
  let last = 0;
  // A terminal that gives no size (0 columns, as script(1) without a terminal of its own) is taken as 100 wide.
  const width = (): number => Math.max(20, (out.columns || 100) - 1);
  const clear = (): void => {
    if (drawn) out.write(`\x1b[${drawn}A\x1b[J`);
    drawn = 0;
  };
  const draw = (force = false): void => {
    if (!force && Date.now() - last < REDRAW_MS) return;
    last = Date.now();
    clear();
    for (const it of active.values()) out.write(`${line(it).slice(0, width())}\n`);
    drawn = active.size;
  };
  return {
    begin(id, step, label, total, done = 0) {
      active.set(id, { id, step, label, total, done, base: done, started: Date.now(), lastJson: 0 });
      draw(true);
    },
    advance(id, bytes) {
      const it = active.get(id);
      if (!it) return;
      it.done += bytes;
      draw();
    },
    end(id, outcome) {
      const it = active.get(id);
      if (!it) return;
      active.delete(id);
      clear();
      out.write(`${line(it, outcome === "exists" ? "already stored" : outcome).slice(0, width())}\n`);
      draw(true);
    },
    note(message) {
      clear();
      out.write(`bunker: ${message}\n`);
      draw(true);
    },
  };
};

const jsonProgress = (): Progress => {
  const items = new Map<string, Item>();
  const emit = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(event)}\n`);
  return {
    begin(id, step, label, total, done = 0) {
      items.set(id, { id, step, label, total, done, base: done, started: Date.now(), lastJson: Date.now() });
      emit({ event: "begin", id, step, label, total, done });
    },
    advance(id, bytes) {
      const it = items.get(id);
      if (!it) return;
      it.done += bytes;
      if (Date.now() - it.lastJson < JSON_EVERY_MS) return;
      it.lastJson = Date.now();
      emit({ event: "progress", id, step: it.step, done: it.done, total: it.total });
    },
    end(id, outcome) {
      const it = items.get(id);
      items.delete(id);
      emit({ event: "end", id, step: it?.step, outcome, done: it?.done, total: it?.total });
    },
    note: (message) => emit({ event: "note", message }),
  };
};

/** The progress a command shows, by its output mode; notes still reach stderr when nothing else is shown. */
export const progressFor = (g: GlobalOptions): Progress => {
  if (g.json) return jsonProgress();
  if (process.stderr.isTTY) return terminalProgress(process.stderr);
  return { ...silentProgress, note: (m) => void process.stderr.write(`bunker: ${m}\n`) };
};

/** The result of a long step: with --json the last JSON line, else the given text. */
export const printResult = (g: GlobalOptions, result: unknown, text: string): void => {
  console.log(g.json ? JSON.stringify({ event: "result", ...(result as object) }) : text);
};
