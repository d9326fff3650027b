// `WWW-Authenticate` as registries send it (RFC 7235): a scheme and its parameters, possibly several challenges.
// Only what the distribution spec uses is read: Bearer (realm, service, scope) and Basic.

export interface Challenge {
  scheme: "bearer" | "basic";
  params: Record<string, string>;
}

/** The challenges bunker can answer, in the order given; an unknown scheme is skipped. */
export const parseChallenges = (header: string | null): Challenge[] => {
  if (!header) return [];
  const out: Challenge[] = [];
  const re = /\s*([A-Za-z][\w-]*)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*)))?\s*,?/y;
  let current: Challenge | undefined;
  let skipping = false;
  for (let m = re.exec(header); m && m[0] !== ""; m = re.exec(header)) {
    const [, key, quoted, plain] = m;
    if (quoted === undefined && plain === undefined) {
      // A bare token starts a new challenge (its scheme).
      const scheme = key!.toLowerCase();
      skipping = scheme !== "bearer" && scheme !== "basic";
      current = skipping ? undefined : { scheme: scheme as Challenge["scheme"], params: {} };
      if (current) out.push(current);
      continue;
    }
    if (current && !skipping) current.params[key!.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, "$1") : plain!;
  }
  return out;
};
