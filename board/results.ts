// Reading the board suite's console output: test lines, per-flavour totals and figures.

export interface TestLine {
  flavour: string;
  n: number;
  name: string;
  status: "pass" | "fail" | "pending";
  why?: string;
}

export interface SuiteResults {
  tests: TestLine[];
  /** The suite's own totals line per flavour ("glibc: 7 passed, 1 failed, 2 pending"). */
  totals: Record<string, { passed: number; failed: number; pending: number }>;
  /** BOARD-FIGURE values per flavour. */
  figures: Record<string, Record<string, string>>;
}

const TEST = /^(ok|not ok) (\d+) ([\w-]+): (.*?)(?: # (TODO )?(.*))?$/;
const TOTALS = /^([\w-]+): (\d+) passed, (\d+) failed, (\d+) pending$/;
const FIGURE = /^BOARD-FIGURE ([\w-]+) (.*)$/;

export const emptyResults = (): SuiteResults => ({ tests: [], totals: {}, figures: {} });

/** Adds what one console line says to `r`; returns true when the line belonged to the suite. */
export const readLine = (r: SuiteResults, line: string): boolean => {
  const t = TEST.exec(line);
  if (t) {
    const status = t[1] === "ok" ? "pass" : t[5] ? "pending" : "fail";
    r.tests.push({ flavour: t[3]!, n: Number(t[2]), name: t[4]!, status, ...(t[6] !== undefined ? { why: t[6] } : {}) });
    return true;
  }
  const s = TOTALS.exec(line);
  if (s) {
    r.totals[s[1]!] = { passed: Number(s[2]), failed: Number(s[3]), pending: Number(s[4]) };
    return true;
  }
  const f = FIGURE.exec(line);
  if (f) {
    const into = (r.figures[f[1]!] ??= {});
    for (const kv of f[2]!.split(/\s+/)) {
      const eq = kv.indexOf("=");
      if (eq > 0) into[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    return true;
  }
  return false;
};

/** Problems that make the run a failure even when no test failed: a flavour that never finished, totals that disagree. */
export const problems = (r: SuiteResults, flavours: readonly string[]): string[] => {
  const out: string[] = [];
  for (const f of flavours) {
    const tot = r.totals[f];
    if (!tot) {
      out.push(`The ${f} suite did not finish (no totals line)`);
      continue;
    }
    const mine = r.tests.filter((t) => t.flavour === f);
    const count = (s: TestLine["status"]) => mine.filter((t) => t.status === s).length;
    if (count("pass") !== tot.passed || count("fail") !== tot.failed || count("pending") !== tot.pending)
      out.push(`The ${f} suite's totals disagree with its test lines`);
  }
  return out;
};

export interface KnownFailure {
  /** A flavour label, or "*" for every flavour. */
  flavour: string;
  name: string;
  reason: string;
}

/**
 * tests/board/known-failures.txt: `<flavour|*>: <test name> # <reason>` per line, `#` lines are comments. A test listed
 * there still prints `not ok`; it only does not fail the lane, until it passes and must be taken off the list.
 */
export const parseKnownFailures = (text: string, file: string): KnownFailure[] =>
  text.split("\n").flatMap((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return [];
    const m = /^([\w*-]+): (.+?) # (.+)$/.exec(line);
    if (!m) throw new Error(`Read known failures '${file}': line ${i + 1}: expected '<flavour|*>: <test name> # <reason>', not '${line}'`);
    return [{ flavour: m[1]!, name: m[2]!, reason: m[3]! }];
  });

export interface Verdict {
  /** Failures not on the list: these fail the lane. */
  unexpected: TestLine[];
  known: TestLine[];
  /** Listed tests that passed: take them off the list. */
  fixed: TestLine[];
}

export const judge = (r: SuiteResults, known: readonly KnownFailure[]): Verdict => {
  const listed = (t: TestLine) => known.some((k) => (k.flavour === "*" || k.flavour === t.flavour) && k.name === t.name);
  const failed = r.tests.filter((t) => t.status === "fail");
  return {
    unexpected: failed.filter((t) => !listed(t)),
    known: failed.filter(listed),
    fixed: r.tests.filter((t) => t.status === "pass" && listed(t)),
  };
};
