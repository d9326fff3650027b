// The musl userland for the musl executable. Debian has no libstdc++ built against musl, so the board uses Debian's
// arm64 libstdc++6 and libgcc-s1 (built for glibc) plus a small library, musl/compat.c, that supplies the six glibc-only
// symbols they import; libstdc++ is patched to load it. Without it the musl loader stops with "symbol not found".
import { copyFileSync, mkdirSync, realpathSync } from "node:fs";
import { join } from "node:path";

export const MUSL_LIB_DIR = "usr/lib/aarch64-linux-musl";
export const COMPAT_LIB = "libbunker-musl-compat.so";

export interface MuslPackages {
  muslDev: string;
  libstdcxx: string;
  libgcc: string;
}

const run = (argv: string[]): void => {
  const p = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`Run '${argv[0]}': exit ${p.exitCode}: ${p.stderr.toString().trim()}`);
};

/** Fills `<root>/usr/lib/aarch64-linux-musl` with libstdc++.so.6, libgcc_s.so.1 and the compat library. */
export const installMuslCxx = (pkgs: MuslPackages, root: string, compatSource: string): void => {
  const dest = join(root, MUSL_LIB_DIR);
  mkdirSync(dest, { recursive: true });
  const cc = "aarch64-linux-gnu-gcc";
  const gccInclude = Bun.spawnSync([cc, "-print-file-name=include"]).stdout.toString().trim();
  run([
    cc, "-O2", "-fPIC", "-shared", "-nostdlib", "-nostdinc",
    "-isystem", join(pkgs.muslDev, "usr/include/aarch64-linux-musl"), "-isystem", gccInclude,
    `-Wl,-soname,${COMPAT_LIB}`, "-o", join(dest, COMPAT_LIB), compatSource,
  ]);
  copyFileSync(realpathSync(join(pkgs.libstdcxx, "usr/lib/aarch64-linux-gnu/libstdc++.so.6")), join(dest, "libstdc++.so.6"));
  copyFileSync(realpathSync(join(pkgs.libgcc, "lib/aarch64-linux-gnu/libgcc_s.so.1")), join(dest, "libgcc_s.so.1"));
  run(["patchelf", "--add-needed", COMPAT_LIB, join(dest, "libstdc++.so.6")]);
};
