// Signal names or numbers as `kill` accepts them (KILL, SIGKILL, kill, 9, RTMIN+3) -> signal numbers.
import { SIG, SIGRTMAX, SIGRTMIN } from "../../ffi/constants.ts";

const BY_NAME = new Map<string, number>(Object.entries(SIG));
for (let i = 0; i <= SIGRTMAX - SIGRTMIN; i++) {
  BY_NAME.set(`RTMIN+${i}`, SIGRTMIN + i);
  BY_NAME.set(`RTMAX-${i}`, SIGRTMAX - i);
}
BY_NAME.set("RTMIN", SIGRTMIN);
BY_NAME.set("RTMAX", SIGRTMAX);

export const parseSignal = (signal: string | number): number => {
  const text = String(signal).trim();
  const n = /^\d+$/.test(text) ? Number(text) : BY_NAME.get(text.toUpperCase().replace(/^SIG/, ""));
  if (n === undefined || n < 1 || n > SIGRTMAX) throw new Error(`Unknown signal: '${signal}'`);
  return n;
};
