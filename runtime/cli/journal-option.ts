// The state journal that checkpoint, restore and resume cannot work without: their own --journal, else the global.
import { type GlobalOptions, type ParsedArgs, UsageError } from "./command.ts";
import { flagString } from "./parse.ts";

export const requiredJournal = (g: GlobalOptions, a: ParsedArgs, command: string): string => {
  const dir = flagString(a, "journal") ?? g.journal;
  if (!dir) throw new UsageError(`'${command}' needs the state journal: give --journal DIR (only the default root has one unless told)`);
  return dir;
};
