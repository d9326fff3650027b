import { describe, expect, test } from "bun:test";
import { loadProfile } from "../../../board/profile.ts";
import { qemuArgs } from "../../../board/qemu.ts";

const images = { kernel: "/k/vmlinuz", initrd: "/k/initrd.gz", disk: "/k/disk.img" };

describe("qemuArgs()", () => {
  test("boots the profile's machine, CPU, cores and RAM with the serial console on stdio and no reboot", () => {
    const args = qemuArgs(loadProfile("qemu-virt-a53"), images);
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    expect(args[0]).toBe("qemu-system-aarch64");
    expect([after("-M"), after("-cpu"), after("-smp"), after("-m")]).toEqual(["virt", "cortex-a53", "2", "256"]);
    expect(args).toContain("-nographic");
    expect(args).toContain("-no-reboot");
    expect(after("-append")).toContain("console=ttyAMA0");
    expect(after("-drive")).toBe("file=/k/disk.img,format=raw,if=none,id=disk0,cache=writeback");
  });

  test("no network card unless asked; asked, a virtio card on QEMU's user-mode network (the host at 10.0.2.2)", () => {
    const profile = loadProfile("qemu-virt-a53");
    const nic = (a: string[]) => a[a.indexOf("-nic") + 1];
    expect(nic(qemuArgs(profile, images))).toBe("none");
    expect(nic(qemuArgs(profile, { ...images, hostNetwork: true }))).toBe("user,model=virtio-net-pci");
  });

  test("refuses a profile of a real board, which QEMU cannot boot", () => {
    const { qemu: _, ...real } = loadProfile("qemu-virt-a53");
    expect(() => qemuArgs({ ...real, name: "rpi3" }, images)).toThrow("Boot board 'rpi3': profile has no 'qemu' section");
  });
});
