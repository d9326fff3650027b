// The command table: name -> lazily loaded module, so a command pays only for what it uses.
import type { Command } from "../command.ts";

type Loader = () => Promise<{ command: Command }>;

export const commands: Record<string, Loader> = {};

export const commandNames = (): string[] => Object.keys(commands).sort();
