// linux.personality: personality(2) on the stage; the execution domain and flags survive execve (the kernel clears
// ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC and MMAP_PAGE_ZERO only for a set-user-ID program).
import type { Syscalls } from "../../ffi/syscalls.ts";

export const applyPersonality = (sys: Pick<Syscalls, "personality">, persona: number | null): void => {
  if (persona !== null) sys.personality(persona);
};
