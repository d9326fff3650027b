// Paths inside a root filesystem as strings: split into components, never joined into a host path.
import { errnoNumber, SysError } from "../../ffi/errno.ts";

/** Linux's limit on symlinks followed in one lookup (MAXSYMLINKS). */
export const MAX_SYMLINKS = 40;

/** The components of a path inside the root: "/a//b/./c" -> ["a", "b", "c"]; ".." is kept, it is resolved by lookup. */
export const components = (path: string): string[] => path.split("/").filter((c) => c !== "" && c !== ".");

/**
 * The parent directory and the final name: "/a/b/c" -> { dir: "/a/b", name: "c" }. Null for the root itself and for
 * a final "..", which name no entry that could be created or removed.
 */
export const splitFinal = (path: string): { dir: string; name: string } | null => {
  const parts = components(path);
  const name = parts.pop();
  if (name === undefined || name === "..") return null;
  return { dir: `/${parts.join("/")}`, name };
};

/** Where a symlink in `dir` pointing at `target` leads, as a path inside the root (absolute targets start at the root). */
export const linkDestination = (dir: string, target: string): string => (target.startsWith("/") ? target : `${dir}/${target}`);

/** A path error as the kernel would report it, naming the path inside the root. */
export const pathError = (call: string, errno: string, path: string): SysError => new SysError(call, errnoNumber(errno), `'${path}'`);

/** NUL would cut the path short on its way to the kernel. */
export const checkPath = (path: string): void => {
  if (path.includes("\0")) throw pathError("resolve", "EINVAL", path.replaceAll("\0", "\\0"));
};
