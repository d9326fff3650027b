// `bunker features`: the OCI features document, as `runc features` prints it.
import { features } from "../../spec/features.ts";
import type { Command } from "../command.ts";

export const command: Command = {
  name: "features",
  summary: "print the OCI features this runtime supports (JSON)",
  args: "",
  arity: [0, 0],
  flags: [],
  run() {
    console.log(JSON.stringify(features(), null, 4));
    return 0;
  },
};
