// The command table: name -> lazily loaded module, so a command pays only for what it uses.
import type { Command } from "../command.ts";

type Loader = () => Promise<{ command: Command }>;

export const commands: Record<string, Loader> = {
  create: () => import("./create.ts"),
  start: () => import("./start.ts"),
  run: () => import("./run.ts"),
  state: () => import("./state.ts"),
  kill: () => import("./kill.ts"),
  delete: () => import("./delete.ts"),
  list: () => import("./list.ts"),
  ps: () => import("./ps.ts"),
  exec: () => import("./exec.ts"),
  spec: () => import("./spec.ts"),
  features: () => import("./features.ts"),
  checkpoint: () => import("./checkpoint.ts"),
  restore: () => import("./restore.ts"),
  resume: () => import("./resume.ts"),
  pause: () => import("./pause.ts"),
  update: () => import("./update.ts"),
  events: () => import("./events.ts"),
  stats: () => import("./stats.ts"),
  board: () => import("./board.ts"),
  image: () => import("./image.ts"),
  daemon: () => import("./daemon.ts"),
  apply: () => import("./apply.ts"),
  status: () => import("./status.ts"),
  logs: () => import("./logs.ts"),
  ota: () => import("./ota.ts"),
};

export const commandNames = (): string[] => Object.keys(commands).sort();
