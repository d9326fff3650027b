// What a validated input changes, values reduced to their class: a mutant that sets the hostname to 5 letters and
// one that sets it to 6 take the same code path. The harness sends a mutant through the executable when it changes
// something in a way no earlier executable case did (see fuzz.ts).

const bucket = (n: number): string => (n === 0 ? "0" : n <= 1 ? "1" : n <= 15 ? "15" : n <= 64 ? "64" : n <= 255 ? "255" : n <= 4096 ? "4k" : "big");

const stringClass = (s: string): string => {
  const marks = [
    s.startsWith("/") && "abs",
    s.includes("/") && "slash",
    s.split("/").includes("..") && "dotdot",
    /[\u0000-\u001f\u007f-\u009f]/.test(s) && "ctl",
    /[^\u0000-\u007f]/.test(s) && "uni",
    /^-/.test(s) && "dash",
    s.includes("=") && "eq",
    s.includes(",") && "comma",
  ].filter(Boolean);
  return `s${bucket(s.length)}${marks.length ? `:${marks.join("+")}` : ""}`;
};

const numberClass = (n: number): string => {
  if (!Number.isInteger(n)) return "frac";
  const edges = [0, 1, 7, 8, 99, 255, 1024, 4095, 65535, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 53, 2 ** 63, 2 ** 64];
  const a = Math.abs(n);
  const edge = edges.find((e) => a <= e) ?? "huge";
  return `${n < 0 ? "-" : ""}${a === edge ? "=" : "<"}${edge}`;
};

/** The shape of a JSON value; an array's repeated shapes count once. Strings that name something (a capability, a
 * namespace type, a mount option) are kept: they choose the code path. */
export const shapeOf = (v: unknown, keep: (s: string) => boolean = (s) => /^[A-Z][A-Z0-9_]+$|^[a-z]+$/.test(s) && s.length < 24): unknown => {
  if (typeof v === "string") return keep(v) ? v : stringClass(v);
  if (typeof v === "number") return numberClass(v);
  if (Array.isArray(v)) {
    const seen = new Set<string>();
    const out: unknown[] = [];
    for (const x of v) {
      const s = shapeOf(x, keep);
      const k = JSON.stringify(s);
      if (!seen.has(k)) out.push(s);
      seen.add(k);
    }
    return v.length > 16 ? [...out, `x${bucket(v.length)}`] : out;
  }
  if (v !== null && typeof v === "object")
    return Object.fromEntries(Object.keys(v).sort().map((k) => [keep(k) ? k : stringClass(k), shapeOf((v as Record<string, unknown>)[k], keep)]));
  return v;
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * What a mutant changed in its base, as "path=shape" entries (array positions as []): mutants that change the same
 * fields to values of the same shapes ask the executable the same question.
 */
export const changeShape = (base: unknown, v: unknown, at = ""): string[] => {
  if (isObject(base) && isObject(v)) {
    const keys = new Set([...Object.keys(base), ...Object.keys(v)]);
    return [...keys].flatMap((k) => (k in v ? (k in base ? changeShape(base[k], v[k], `${at}/${k}`) : [`${at}/${k}=${JSON.stringify(shapeOf(v[k]))}`]) : [`${at}/${k}=absent`]));
  }
  if (Array.isArray(base) && Array.isArray(v)) {
    const out = new Set<string>(v.length === base.length ? [] : [`${at}#${bucket(v.length)}`]);
    v.forEach((x, i) => changeShape(i < base.length ? base[i] : undefined, x, `${at}/[]`).forEach((c) => out.add(c)));
    return [...out];
  }
  return JSON.stringify(base) === JSON.stringify(v) ? [] : [`${at}=${JSON.stringify(shapeOf(v))}`];
};
