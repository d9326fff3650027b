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

/** A warning (a problem that does not fail the operation) as one line on stderr: where warnings go unless the caller
 * takes them (the CLI also logs them) or asked for silence. */
export const warnOnStderr = (msg: string): void => void process.stderr.write(`bunker: warning: ${msg}\n`);
