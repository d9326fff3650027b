// Counts per input kind and path (in-process, executable), and the table `npm run fuzz` prints.

export type Kind = "accepted" | "error" | "crash" | "hang" | "silent";

export class Counts {
  cases = 0;
  errors = 0;
  accepted = 0;
  crashes = 0;
  hangs = 0;
  leftovers = 0;
  silent = 0;
  internal = 0;

  count(kind: Kind, internal: boolean, slow: boolean, leftovers = 0): void {
    this.cases++;
    if (kind === "accepted") this.accepted++;
    else if (kind === "error") this.errors++;
    else if (kind === "crash") this.crashes++;
    else if (kind === "hang") this.hangs++;
    else this.silent++;
    if (slow) this.hangs++;
    if (internal) this.internal++;
    if (leftovers) this.leftovers++;
  }

  /** Cases with anything wrong (a case with two problems counts once per problem). */
  failures(): number {
    return this.crashes + this.hangs + this.leftovers + this.silent + this.internal;
  }
}

export class Tally {
  readonly inProcess = new Counts();
  readonly executable = new Counts();
  constructor(readonly kind: string) {}

  failures(): number {
    return this.inProcess.failures() + this.executable.failures();
  }
}

const COLUMNS = ["cases", "clean errors", "accepted", "crashes", "hangs", "leftovers", "silent", "internal"] as const;

export const printTable = (tallies: readonly Tally[], journalLeftovers: number, legend = true): void => {
  const rows: string[][] = [["input kind", "path", ...COLUMNS]];
  for (const t of tallies)
    for (const [path, c] of [["in-process", t.inProcess], ["executable", t.executable]] as const)
      rows.push([t.kind, path, ...[c.cases, c.errors, c.accepted, c.crashes, c.hangs, c.leftovers, c.silent, c.internal].map(String)]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log("");
  for (const r of rows) console.log(r.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join("  "));
  if (legend)
    console.log(
    "\nclean errors: one 'bunker: ' line (and a usage line for exit 2), exit 1 or 2; crashes: an engine error, another exit" +
      " status, or more than one line; hangs: no answer in 30 s (executable) or 2 s (in-process); leftovers: state," +
      " cgroups, mounts, processes or files left after the case; silent: a failure without a word, or the executable" +
      ` accepting what validation refused; internal: 'internal error' shown. Journal records without their end: ${journalLeftovers}.`,
  );
};
