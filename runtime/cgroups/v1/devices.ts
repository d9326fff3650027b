// cgroup v1 devices: writes the difference between devices.list and the container's rules, so an update does not
// briefly deny devices a running container uses.
import type { Controller } from "../controller.ts";
import { DeviceEmulator } from "../devices/emulator.ts";
import { containerDeviceRules, v1Line } from "../devices/rules.ts";
import { readFile, writeFile } from "../files.ts";

export const devicesV1: Controller = {
  name: "devices",
  resource: "devices",
  // Always wanted: without rules a container still gets default-deny plus the default devices.
  wanted: () => true,
  apply: (r, dir, fs) => {
    const target = DeviceEmulator.of(containerDeviceRules(r.devices));
    const current = DeviceEmulator.fromList(readFile(fs, dir, "devices.list"));
    for (const rule of current.transition(target)) {
      writeFile(fs, dir, rule.allow ? "devices.allow" : "devices.deny", v1Line(rule));
    }
  },
};
