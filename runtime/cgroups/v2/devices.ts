// cgroup v2 devices: no interface file; an eBPF program attached to the cgroup decides (runc's semantics).
import type { Controller } from "../controller.ts";
import { encodeInsns } from "../../bpf/asm.ts";
import { deviceFilterInsns } from "../devices/program.ts";
import { containerDeviceRules } from "../devices/rules.ts";

export const devicesV2: Controller = {
  name: "devices",
  resource: "devices",
  wanted: () => true,
  apply: (r, dir, fs) => fs.setDeviceFilter(dir, encodeInsns(deviceFilterInsns(containerDeviceRules(r.devices)))),
};
