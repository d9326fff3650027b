// Text from images and registries is echoed into error lines: control characters escaped, length bounded.

const MAX_ECHO = 200;

/** `s` with control characters as \xNN (newlines too), cut to a readable length. */
export const escapeText = (s: string): string => {
  const cut = s.length > MAX_ECHO ? `${s.slice(0, MAX_ECHO)}...` : s;
  return cut.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
};
