// `bunker board <subcommand>`: board-level tools. Each subcommand is one row of SUBCOMMANDS with its own flags.
import { boardCheck } from "../../../board/check.ts";
import { renderText } from "../../../board/check/report.ts";
import { realProbes } from "../../../board/check/probes.ts";
import { rootedView } from "../../../board/check/system.ts";
import type { ParsedArgs } from "../command.ts";
import { UsageError } from "../command.ts";
import { flagBool, flagInt, flagString } from "../parse.ts";
import { withSubcommands, type Subcommand } from "../subcommands.ts";
import { hostCgroupFs } from "../../cgroups/fs.ts";
import { configureZram, hostSwapOps, renderZram, resetZram, zramConfig, zramStatus, type SwapRequest } from "../../../board/zram.ts";
import { loadProfile } from "../../../board/profile.ts";

const swap: Subcommand = {
  summary: "configure zram swap (size, algorithm, mem_limit, writeback device) and enable it, or --off / --status",
  args: "",
  arity: [0, 0],
  flags: [
    { name: "profile", kind: "string", value: "NAME", help: "take unset values from this board profile (board/profiles)" },
    { name: "device", kind: "string", value: "zramN", help: "device to use (default: the first unused one, or a new one)" },
    { name: "size", kind: "string", value: "SIZE", help: "uncompressed capacity, e.g. 128M" },
    { name: "algorithm", kind: "string", value: "NAME", help: "compression algorithm (lzo-rle, lz4, zstd... as the kernel offers)" },
    { name: "mem-limit", kind: "string", value: "SIZE", help: "most RAM the compressed pages may use" },
    { name: "writeback", kind: "string", value: "DEV", help: "block device for written-back pages" },
    { name: "priority", kind: "int", value: "N", help: "swap priority (default 100)" },
    { name: "swappiness", kind: "int", value: "N", help: "vm.swappiness to set (0-200)" },
    { name: "off", kind: "bool", help: "turn the --device off and reset it" },
    { name: "status", kind: "bool", help: "only show the --device's state" },
    { name: "json", kind: "bool", help: "print the state as JSON (schema: ZramStatus in board/zram.ts)" },
  ],
  run: (_global, args) => {
    const fs = hostCgroupFs();
    const device = flagString(args, "device");
    if ((flagBool(args, "off") || flagBool(args, "status")) && device === undefined) throw new UsageError("--off and --status need --device");
    if (flagBool(args, "off")) {
      resetZram(fs, hostSwapOps(), device!);
      return 0;
    }
    const status = flagBool(args, "status")
      ? zramStatus(fs, device!)
      : configureZram(fs, hostSwapOps(), zramConfig(swapRequest(args), flagString(args, "profile") === undefined ? undefined : loadProfile(flagString(args, "profile")!)));
    console.log(flagBool(args, "json") ? JSON.stringify(status, null, 2) : renderZram(status));
    return 0;
  },
};

const swapRequest = (a: ParsedArgs): SwapRequest => {
  const out: SwapRequest = {};
  for (const [key, flag] of [["device", "device"], ["size", "size"], ["algorithm", "algorithm"], ["memLimit", "mem-limit"], ["writeback", "writeback"]] as const) {
    const v = flagString(a, flag);
    if (v !== undefined) out[key] = v;
  }
  for (const key of ["priority", "swappiness"] as const) {
    const v = flagInt(a, key);
    if (v !== undefined) out[key] = v;
  }
  return out;
};

const SUBCOMMANDS: Record<string, Subcommand> = {
  check: {
    summary: "report the kernel and system features bunker uses; exit 1 when a required one is missing",
    args: "",
    arity: [0, 0],
    flags: [{ name: "json", kind: "bool", help: "print the report as JSON (schema: board-check.json)" }],
    run: (_global, args) => {
      const report = boardCheck(rootedView("/", realProbes));
      console.log(flagBool(args, "json") ? JSON.stringify(report, null, 2) : renderText(report));
      return report.ok ? 0 : 1;
    },
  },
  swap,
};

export const command = withSubcommands("board", "board tools: feature check", SUBCOMMANDS);
