// The two arm64 executables the board runs: what build.ts calls them and where they go on the board.
import { join } from "node:path";
import { REPO_ROOT } from "./assemble.ts";
import { BOARD_PATHS } from "./disk-tree.ts";

/** Flavour label -> the executable build.ts makes and its name on the board. */
export const FLAVOURS = {
  glibc: { target: "bunker-linux-arm64", onBoard: "bunker" },
  musl: { target: "bunker-linux-arm64-musl", onBoard: "bunker-musl" },
} as const;

/** Name on the board -> the built file on the host. */
export const builtExecutables = (): Record<string, string> =>
  Object.fromEntries(Object.values(FLAVOURS).map((f) => [f.onBoard, join(REPO_ROOT, "dist", f.target)]));

export const onBoard = (flavour: keyof typeof FLAVOURS): string => `${BOARD_PATHS.bin}/${FLAVOURS[flavour].onBoard}`;

/** Runs `bun build.ts` for both arm64 targets. */
export const buildExecutables = (): void => {
  const targets = Object.values(FLAVOURS).map((f) => f.target);
  const p = Bun.spawnSync([process.execPath, "build.ts", ...targets], { cwd: REPO_ROOT, stdout: "inherit", stderr: "inherit" });
  if (p.exitCode !== 0) throw new Error(`Build the arm64 executables: 'bun build.ts ${targets.join(" ")}' exited ${p.exitCode}`);
};
