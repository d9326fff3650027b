import { check, q } from "./check.ts";
import { libc } from "./libc.ts";

export const sethostname = (name: string): void => {
  const b = Buffer.from(name);
  check("sethostname", q(name), libc.sethostname(b, BigInt(b.length)));
};

export const setdomainname = (name: string): void => {
  const b = Buffer.from(name);
  check("setdomainname", q(name), libc.setdomainname(b, BigInt(b.length)));
};
