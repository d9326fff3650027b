import { describe, expect, test } from "bun:test";
import { RLIM_INFINITY } from "../../../../ffi/constants.ts";
import { RLIMIT_NAMES, rlimitResource, rlimitValue } from "../../../../runtime/spec/rlimits.ts";

describe("rlimits", () => {
  test("rlimitResource() maps the names to the generic table that x86_64 and aarch64 share", () => {
    expect(RLIMIT_NAMES).toEqual([
      "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE",
      "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
    ]);
    expect(RLIMIT_NAMES.map(rlimitResource)).toEqual([...Array(16).keys()]);
  });

  test("rlimitResource() names an unknown resource in its error", () => {
    expect(() => rlimitResource("RLIMIT_FILES")).toThrow("Unknown rlimit: 'RLIMIT_FILES'");
    expect(() => rlimitResource("NOFILE")).toThrow("Unknown rlimit: 'NOFILE'");
  });

  test("rlimitValue() turns 2^64-1 as JSON.parse reads it into RLIM_INFINITY", () => {
    expect(rlimitValue(JSON.parse("18446744073709551615"))).toBe(RLIM_INFINITY);
    expect(rlimitValue(1024)).toBe(1024n);
    expect(rlimitValue(0)).toBe(0n);
  });
});
