// Errors as users read them: one line, outermost context first, nothing of the engine's own making.

/**
 * What the JS engine throws for a bug in bunker (a TypeError, a stack overflow, an out-of-range Buffer offset), never
 * for bad input. Its message quotes bunker's (minified) source, which means nothing to a user.
 */
const ENGINE_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError];
export const isEngineError = (e: unknown): boolean => ENGINE_ERRORS.some((E) => e instanceof E);

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** Control characters (input echoed into a message: a path, an argument) as escapes, so a line stays one line. */
export const escapeControl = (s: string): string =>
  s.replace(CONTROL, (c) => NAMED[c] ?? (c.charCodeAt(0) > 0xff ? `\\u${c.charCodeAt(0).toString(16)}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`));

/**
 * "outer: inner: innermost", following `cause` links, without repeating a message already contained. An engine
 * error in the chain becomes "internal error: <the context bunker gave it>"; control characters are escaped.
 */
export const describeError = (err: unknown): string => {
  const parts: string[] = [];
  for (let e: unknown = err; e !== undefined && e !== null; e = e instanceof Error ? e.cause : undefined) {
    if (isEngineError(e)) {
      const context = parts.join(": ");
      return escapeControl(context ? `internal error: ${context}` : `internal error (${(e as Error).name})`);
    }
    const msg = e instanceof Error ? e.message : String(e);
    if (!parts.some((p) => p.includes(msg))) parts.push(msg);
    if (e instanceof AggregateError) for (const sub of e.errors) parts.push(`(also: ${describeError(sub)})`);
  }
  return escapeControl(parts.join(": "));
};

/** A warning (a problem that does not fail the operation) as one line on stderr: where warnings go unless the caller
 * takes them (the CLI also logs them) or asked for silence. */
export const warnOnStderr = (msg: string): void => void process.stderr.write(`bunker: warning: ${escapeControl(msg)}\n`);
