// The Linux watchdog device's ioctls (linux/watchdog.h): set the timeout, and ask what the driver made of it.
import { ptr } from "bun:ffi";
import { check } from "./check.ts";
import { libc } from "./libc.ts";

// _IOWR('W', 6, int) and _IOR('W', 7, int): the same numbers on x86_64 and aarch64.
const WDIOC_SETTIMEOUT = 0xc0045706;
const WDIOC_GETTIMEOUT = 0x80045707;

/** Asks for `seconds`; returns the timeout the driver set (it may round or clamp). */
export const setWatchdogTimeout = (fd: number, seconds: number): number => {
  const v = new Int32Array([seconds]);
  check("ioctl", `WDIOC_SETTIMEOUT ${seconds}s`, libc.ioctl(fd, BigInt(WDIOC_SETTIMEOUT), BigInt(ptr(v))));
  return v[0]!;
};

export const watchdogTimeout = (fd: number): number => {
  const v = new Int32Array(1);
  check("ioctl", "WDIOC_GETTIMEOUT", libc.ioctl(fd, BigInt(WDIOC_GETTIMEOUT), BigInt(ptr(v))));
  return v[0]!;
};
