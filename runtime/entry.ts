// The executable's entry: either a container's setup stage (started by bunker itself) or the CLI.
import { STAGE_ENV } from "./process/stage-env.ts";

if (process.env[STAGE_ENV]) {
  const { runStage } = await import("./process/stage.ts");
  await runStage();
} else {
  const { main } = await import("./cli/main.ts");
  process.exitCode = await main(process.argv.slice(2));
}
