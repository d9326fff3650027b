// A problem in a document that its schema cannot express: where (a JSON pointer) and what.

export interface Problem {
  pointer: string;
  detail: string;
}

export const escapePointer = (key: string): string => key.replace(/~/g, "~0").replace(/\//g, "~1");
