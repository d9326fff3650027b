// The values a fuzz case puts where a config, an ID or a flag value goes: numbers at the edges of the C types, strings
// with the characters that break parsers and terminals, and random JSON of every type.
import type { Rng } from "./rng.ts";

export const EDGE_NUMBERS: readonly number[] = [
  0, -1, 1, 2, 7, 8, 19, 20, 63, 64, 99, 100, 255, 256, 1000, 1023, 1024, 4095, 4096, 0o777, 0o7777, 65535, 65536, 999_999_999,
  1_000_000_000, 2 ** 20 - 1, 2 ** 20, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 2, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 62, 2 ** 63,
  2 ** 64, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 63), 1.5, -0.5, 0.1, 1e21, 1e308, -1e308, 5e-324,
];

/** Number spellings only JSON text can carry (JSON.parse turns them into Infinity, -0, a rounded 2^64, ...). */
export const EDGE_NUMBER_TEXTS: readonly string[] = ["1e400", "-1e400", "-0", "18446744073709551615", "18446744073709551616", "9223372036854775807", "1.0", "1E2", "0.0000001"];

const long = (s: string, n: number): string => s.repeat(n);

export const EDGE_STRINGS: readonly string[] = [
  "", " ", "x", "\0", "a\0b", "\n", "a\nb", "\r\n", "\t", "\u001b[31mred\u001b[0m", "\u0007", "\u007f", "\u0085", "\u2028", "\ud800",
  "\udfff", "😀", "\u202emirrored", "e\u0301", "\ufeff", "é", ".", "..", "/", "//", "/..", "/../..", "../..", "./x", "a/b", "a//b",
  "~", "%s%n%x", "${HOME}", "'", "\"", "\\", "-", "--", "-x", "--help", "=", "a=b", "=b", "A=", "CAP_KILL", "CAP_SYS_ADMIN",
  "CAP_NOPE", "RLIMIT_NOFILE", "SCHED_FIFO", "SCHED_ISO", "IOPRIO_CLASS_RT", "LINUX32", "1", "-1", "0x10", "4294967295", "true",
  "null", "rbind", "ro", "nosuid", "mode=0755", "size=1m", "bind", "tmpfs", "proc", "shared", "rprivate", "eth0", "lo",
  long("x", 16), long("x", 256), long("x", 4097), long("x", 70_000), long("/a", 2100), long("é", 5000), long("\n", 100),
];

export const randomString = (rng: Rng): string => {
  if (rng.chance(0.7)) return rng.pick(EDGE_STRINGS);
  const n = rng.pick([1, 2, 5, 15, 16, 64, 255, 256, 1000]);
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(rng.chance(0.9) ? 0x20 + rng.int(0x5f) : rng.int(0x110) );
  return s;
};

export const randomNumber = (rng: Rng): number => (rng.chance(0.8) ? rng.pick(EDGE_NUMBERS) : (rng.next() - 0.5) * 2 ** rng.int(70));

/** Any JSON value, nested at most `depth` levels. */
export const randomValue = (rng: Rng, depth = 3): unknown => {
  switch (rng.int(depth > 0 ? 7 : 5)) {
    case 0:
      return randomNumber(rng);
    case 1:
      return randomString(rng);
    case 2:
      return rng.chance(0.5);
    case 3:
      return null;
    case 4:
      return rng.int(1000);
    case 5:
      return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth - 1));
    default:
      return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [randomString(rng), randomValue(rng, depth - 1)]));
  }
};

/** A value of another JSON type than `v`. */
export const otherType = (rng: Rng, v: unknown): unknown => {
  const type = (x: unknown) => (Array.isArray(x) ? "array" : x === null ? "null" : typeof x);
  for (;;) {
    const w = randomValue(rng, 2);
    if (type(w) !== type(v)) return w;
  }
};
