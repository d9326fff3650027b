import { check, q } from "./check.ts";
import { NS_GET_NSTYPE, O } from "./constants.ts";
import { close, open } from "./fd.ts";
import { libc } from "./libc.ts";

export const unshare = (flags: number): void => void check("unshare", `0x${flags.toString(16)}`, libc.unshare(flags));

export const setns = (fd: number, nstype: number, what = ""): void =>
  void check("setns", what || `fd ${fd}`, libc.setns(fd, nstype));

/** The CLONE_NEW* type of the namespace file at `path`; ENOTTY from the ioctl when it is no namespace file. */
export const namespaceType = (path: string): number => {
  const fd = open(path, O.RDONLY | O.CLOEXEC);
  try {
    return check("ioctl NS_GET_NSTYPE", q(path), libc.ioctl(fd, BigInt(NS_GET_NSTYPE), 0n));
  } finally {
    close(fd);
  }
};
