// Errors as users read them: one line, outermost context first.

/** "outer: inner: innermost", following `cause` links, without repeating a message already contained. */
export const describeError = (err: unknown): string => {
  const parts: string[] = [];
  for (let e: unknown = err; e !== undefined && e !== null; e = e instanceof Error ? e.cause : undefined) {
    const msg = e instanceof Error ? e.message : String(e);
    if (!parts.some((p) => p.includes(msg))) parts.push(msg);
    if (e instanceof AggregateError) for (const sub of e.errors) parts.push(`(also: ${describeError(sub)})`);
  }
  return parts.join(": ");
};
