// Board profiles: what a board offers (CPU, RAM, storage) and bunker's swap defaults for it, one JSON file per board
// in board/profiles/, checked against this schema when loaded.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Static, Type } from "@sinclair/typebox";
import { decode } from "../runtime/spec/validate.ts";
import { parseJson } from "../runtime/spec/json-text.ts";

export const PROFILES_DIR = join(import.meta.dir, "profiles");

export const BoardProfileSchema = Type.Object(
  {
    name: Type.String({ pattern: "^[a-z0-9][a-z0-9-]*$", description: "Matches the file name without .json" }),
    description: Type.String(),
    cpu: Type.Object({
      model: Type.String({ description: "Core as QEMU and datasheets name it, e.g. cortex-a53" }),
      cores: Type.Integer({ minimum: 1, maximum: 64 }),
      isa: Type.Union([Type.Literal("armv8.0-a"), Type.Literal("armv8.2-a"), Type.Literal("armv9-a")], {
        description: "armv8.0-a has no LSE atomics: Bun builds that assume them crash there",
      }),
    }),
    memoryMiB: Type.Integer({ minimum: 64, description: "RAM visible to Linux" }),
    storage: Type.Object({
      kind: Type.Union([Type.Literal("emmc"), Type.Literal("sd"), Type.Literal("nand"), Type.Literal("nvme"), Type.Literal("virtio")]),
      sizeMiB: Type.Integer({ minimum: 64, description: "Size of the root filesystem's device" }),
      filesystem: Type.Union([Type.Literal("ext4"), Type.Literal("f2fs"), Type.Literal("btrfs")], { default: "ext4" }),
    }),
    swap: Type.Object({
      zramMiB: Type.Integer({ minimum: 0, default: 0, description: "Compressed swap in RAM; 0 disables it" }),
      zramAlgorithm: Type.Union([Type.Literal("lzo-rle"), Type.Literal("lz4"), Type.Literal("zstd")], { default: "lzo-rle" }),
      fileMiB: Type.Integer({ minimum: 0, default: 0, description: "Swap file on flash; 0 keeps flash writes down" }),
      swappiness: Type.Integer({ minimum: 0, maximum: 200, default: 60 }),
    }),
    qemu: Type.Optional(
      Type.Object({
        machine: Type.String({ default: "virt" }),
        cpu: Type.String({ description: "-cpu model" }),
      }),
    ),
  },
  { $id: "https://bunker.invalid/schemas/board-profile.json", title: "Board profile (bunker)", additionalProperties: false },
);
export type BoardProfile = Static<typeof BoardProfileSchema>;

export const parseProfile = (text: string, file: string): BoardProfile => decode(BoardProfileSchema, parseJson(text, file), file);

export const profileNames = (dir = PROFILES_DIR): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5))
    .sort();

export const loadProfile = (name: string, dir = PROFILES_DIR): BoardProfile => {
  const file = join(dir, `${name}.json`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`Load board profile '${name}': not found in '${dir}' (known: ${profileNames(dir).join(", ")})`, { cause: err });
  }
  const profile = parseProfile(text, file);
  if (profile.name !== name) throw new Error(`Load board profile '${file}': name: '${profile.name}' differs from the file name`);
  return profile;
};
