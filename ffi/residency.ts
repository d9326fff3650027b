// Keeping a supervising process responsive under memory pressure, as Android's lmkd does: its pages locked as they are
// touched (mlockall with MCL_ONFAULT, so the untouched part of a large executable costs nothing) and a raised priority.
import { check } from "./check.ts";
import { libc } from "./libc.ts";

const MCL = { CURRENT: 1, FUTURE: 2, ONFAULT: 4 } as const;
const PRIO_PROCESS = 0;

/** Locks every page this process has touched or will touch; needs CAP_IPC_LOCK or a large enough RLIMIT_MEMLOCK. */
export const lockTouchedPages = (): void => void check("mlockall", "MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT", libc.mlockall(MCL.CURRENT | MCL.FUTURE | MCL.ONFAULT));

/** Sets the nice value of the calling thread; threads it starts afterwards inherit it (Linux keeps nice per thread). */
export const setNice = (nice: number): void => void check("setpriority", `nice ${nice}`, libc.setpriority(PRIO_PROCESS, 0, nice));
