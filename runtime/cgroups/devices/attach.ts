// Puts a device filter on a cgroup v2 directory, for real, through the one mechanism for cgroup programs.
import { BPF_ATTACH, BPF_PROG_TYPE } from "../../../ffi/bpf.ts";
import { replaceCgroupProgram } from "../../bpf/cgroup-program.ts";
import { DEVICE_FILTER_LICENSE } from "./program.ts";

export const attachDeviceFilter = (dir: string, program: Uint8Array): void => {
  try {
    replaceCgroupProgram(dir, {
      type: BPF_PROG_TYPE.CGROUP_DEVICE, expectedAttachType: BPF_ATTACH.DEVICE, insns: program, license: DEVICE_FILTER_LICENSE, name: "bunker_devices",
    });
  } catch (err) {
    throw new Error(`Setting the device filter of '${dir}': ${(err as Error).message}`, { cause: err });
  }
};
