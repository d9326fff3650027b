import { describe, expect, test } from "bun:test";
import { decodeParent, encode } from "../../../../runtime/process/messages.ts";
import { decodeStage } from "../../../../runtime/process/stage-messages.ts";

describe("the stage's channel", () => {
  test("carries a failure with its step, call and errno as one JSON line", () => {
    const bytes = encode({ t: "failed", step: "mount", message: "Mount of '/x' failed", call: "mount", errno: "ENODEV" });
    const line = Buffer.from(bytes).toString();
    expect(line.endsWith("\n")).toBe(true);
    expect(decodeStage(line.trim())).toEqual({ t: "failed", step: "mount", message: "Mount of '/x' failed", call: "mount", errno: "ENODEV" });
  });

  test("refuses what a stage could not have said", () => {
    expect(() => decodeStage('{"t":"ready"}')).toThrow("Malformed message from the setup stage");
    expect(() => decodeStage("not json")).toThrow("Malformed message from the setup stage");
    for (const bad of ['{"t":"ready","pid":1.5}', '{"t":"failed","step":"mount"}', '{"t":"failed","step":"x","message":"y","errno":5}', '{"t":"exec"}', "[]", "null"])
      expect(() => decodeStage(bad)).toThrow("Malformed message from the setup stage");
    expect(decodeStage('{"t":"mounts-ready"}')).toEqual({ t: "mounts-ready" });
  });

  test("gives the stage its plan and continue, and nothing else", () => {
    expect(decodeParent('{"t":"plan","plan":{"id":"x"}}')).toEqual({ t: "plan", plan: { id: "x" } });
    expect(decodeParent('{"t":"continue"}')).toEqual({ t: "continue" });
    expect(() => decodeParent('{"t":"plan"}')).toThrow("Malformed message from the parent");
  });
});
