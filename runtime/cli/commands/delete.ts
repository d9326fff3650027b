import type { Command } from "../command.ts";
import { flagBool } from "../parse.ts";
import { imageStoreOf } from "../../../image/bundle/annotations.ts";
import { deleteContainer } from "../../container/delete.ts";
import { readRecord } from "../../container/record.ts";
import { warn } from "../report.ts";

/** Read before the delete removes the record; a missing or damaged record is delete's own to answer. */
const imageStoreOfContainer = (root: string, id: string): string | undefined => {
  try {
    return imageStoreOf(readRecord(root, id).annotations);
  } catch {
    return undefined;
  }
};

export const command: Command = {
  name: "delete",
  summary: "delete a stopped or created container (with --force also a running one); a root from an image goes too",
  args: "<container-id>",
  arity: [1, 1],
  flags: [{ name: "force", short: "f", kind: "bool", help: "kill the container's processes first if it still runs" }],
  async run(g, a) {
    const id = a.positional[0]!;
    const images = imageStoreOfContainer(g.root, id);
    await deleteContainer(g.root, id, { force: flagBool(a, "force"), journal: g.journal }, (m) => warn(g, m));
    if (images !== undefined) (await import("../image-container.ts")).releaseRoot(g, images, id);
    return 0;
  },
};
