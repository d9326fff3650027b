// The hash that tells a changed service from an unchanged one: sha256 of the service as written (keys sorted), plus
// what the document only points to (a bundle's config.json). Equal hashes: never restarted by an apply.

/** JSON with object keys sorted at every level, so that key order in the document does not change the hash. */
export const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
};

/** Hex sha256 of the written service and of each referenced content, in order. */
export const serviceHash = (written: unknown, referenced: readonly (string | Uint8Array)[] = []): string => {
  const h = new Bun.CryptoHasher("sha256");
  h.update(canonicalJson(written));
  for (const r of referenced) {
    h.update("\0");
    h.update(r);
  }
  return h.digest("hex");
};
