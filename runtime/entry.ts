// The executable's entry: either a container's setup stage (started by bunker itself) or the CLI.
// No top-level await: the executable is compiled to bytecode, which needs the CommonJS format.
import { STAGE_ENV, USERNS_HOLDER } from "./process/stage-env.ts";

const start = async (): Promise<void> => {
  if (process.env[STAGE_ENV]) {
    // The early namespace steps run before the stage's modules load: loading them starts the engine's helper threads.
    const { runEarlyFromEnv } = await import("./process/early.ts");
    const early = runEarlyFromEnv();
    if (process.env[STAGE_ENV] === USERNS_HOLDER) (await import("./process/userns-holder.ts")).holdUserNamespace(early);
    const { runStage } = await import("./process/stage.ts");
    await runStage(early);
  } else {
    const { main } = await import("./cli/main.ts");
    process.exitCode = await main(process.argv.slice(2));
  }
};

void start();
