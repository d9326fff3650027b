// Namespace files named by linux.namespaces[].path, checked before anything is made: each must be a namespace of the
// type its entry names. setns() is not asked to tell: the stage skips a namespace it is already in, so a `user`
// entry naming a UTS namespace file would otherwise leave the container silently in the host's user namespace.
import { isErrno } from "../../ffi/errno.ts";
import { namespaceType } from "../../ffi/namespace.ts";
import { NAMESPACE_TYPES, NAMESPACES, type NamespaceType } from "../spec/namespaces.ts";

const typeName = (flag: number): string => NAMESPACE_TYPES.find((t) => NAMESPACES[t].flag === flag) ?? `0x${flag.toString(16)}`;

export const checkNamespacePaths = (
  namespaces: readonly { type: NamespaceType; path?: string }[],
  typeOf: (path: string) => number = namespaceType,
): void => {
  for (const { type, path } of namespaces) {
    if (!path) continue;
    const what = `linux.namespaces: the '${type}' namespace path '${path}'`;
    let actual: number;
    try {
      actual = typeOf(path);
    } catch (err) {
      if (isErrno(err, "ENOTTY")) throw new Error(`${what} is not a namespace file (ioctl NS_GET_NSTYPE: ENOTTY)`);
      throw new Error(`linux.namespaces: opening the '${type}' namespace path`, { cause: err });
    }
    if (actual !== NAMESPACES[type].flag) throw new Error(`${what} is a namespace of type '${typeName(actual)}'`);
  }
};
