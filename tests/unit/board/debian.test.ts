import { describe, expect, test } from "bun:test";
import { libraryClosure, parseDepends } from "../../../board/debian.ts";

describe("parseDepends()", () => {
  test("reads each package's Depends and PreDepends, first alternatives included, virtual names skipped", () => {
    const text = [
      "criu:arm64",
      "  Depends: python3-protobuf:arm64",
      "  Depends: <python3:any>",
      "    python3:arm64",
      "  Depends: libbsd0:arm64",
      "tar:arm64",
      "  PreDepends: libacl1:arm64",
      " |Depends: debconf:arm64",
      "",
    ].join("\n");
    expect(parseDepends(text)).toEqual(
      new Map([
        ["criu", ["python3-protobuf", "libbsd0"]],
        ["tar", ["libacl1", "debconf"]],
      ]),
    );
  });
});

describe("libraryClosure()", () => {
  const graph: Record<string, string[]> = {
    criu: ["python3-protobuf", "libc6", "libgnutls30", "libbsd0"],
    libgnutls30: ["libc6", "libgmp10", "libp11-kit0"],
    "libp11-kit0": ["libffi8"],
    libbsd0: ["libmd0"],
    iproute2: ["libelf1", "debconf", "libbsd0"],
    libelf1: ["zlib1g"],
    "python3-protobuf": ["python3", "libprotobuf32"],
  };

  test("follows shared-library packages only (lib*, zlib1g), each once, not what every board has, one question per level", () => {
    const asked: string[][] = [];
    const depends = (pkgs: string[]) => {
      asked.push(pkgs);
      return new Map(pkgs.map((p) => [p, graph[p] ?? []]));
    };
    expect(libraryClosure(["criu", "iproute2"], depends)).toEqual(["criu", "iproute2", "libgnutls30", "libbsd0", "libelf1", "libgmp10", "libp11-kit0", "libmd0", "zlib1g", "libffi8"]);
    expect(asked).toEqual([["criu", "iproute2"], ["libgnutls30", "libbsd0", "libelf1"], ["libgmp10", "libp11-kit0", "libmd0", "zlib1g"], ["libffi8"]]);
  });
});
