// Extended attributes: overlayfs whiteouts (trusted.overlay.opaque) and the user.* attributes of image layers.
import { check, q } from "./check.ts";
import { cstr } from "./cstring.ts";
import { libc } from "./libc.ts";

/** flags: XATTR_CREATE, XATTR_REPLACE (0: either). `fd` must be a real descriptor, not O_PATH. */
export const fsetxattr = (fd: number, name: string, value: Uint8Array, flags: number): void =>
  void check("fsetxattr", `fd ${fd} ${q(name)}`, libc.fsetxattr(fd, cstr(name), value, BigInt(value.length), flags));

/** On `path` itself, not through a final symlink. */
export const lsetxattr = (path: string, name: string, value: Uint8Array, flags: number): void =>
  void check("lsetxattr", `${q(path)} ${q(name)}`, libc.lsetxattr(cstr(path), cstr(name), value, BigInt(value.length), flags));

/** The value of `name` on `path` itself (ENODATA when it has none). */
export const lgetxattr = (path: string, name: string): Buffer => {
  const p = cstr(path);
  const n = cstr(name);
  const size = check("lgetxattr", `${q(path)} ${q(name)}`, libc.lgetxattr(p, n, null, 0n));
  const buf = Buffer.alloc(size);
  const got = check("lgetxattr", `${q(path)} ${q(name)}`, libc.lgetxattr(p, n, buf, BigInt(size)));
  return buf.subarray(0, got);
};
