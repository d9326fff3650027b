import { describe, expect, test } from "bun:test";
import { decode } from "../../../../runtime/spec/validate.ts";
import { StateSchema } from "../../../../runtime/spec/state.ts";

describe("StateSchema", () => {
  test("accepts the state of a running container", () => {
    const s = { ociVersion: "1.2.0", id: "c1", status: "running" as const, pid: 4242, bundle: "/b", annotations: { a: "b" } };
    expect(decode(StateSchema, s, "state")).toEqual(s);
  });

  test("accepts a stopped container without a pid", () => {
    expect(() => decode(StateSchema, { ociVersion: "1.2.0", id: "c1", status: "stopped", bundle: "/b" }, "state")).not.toThrow();
  });

  test("rejects an unknown status, listing the known ones", () => {
    expect(() => decode(StateSchema, { ociVersion: "1.2.0", id: "c1", status: "up", bundle: "/b" }, "state")).toThrow(
      "Invalid state: /status: Expected one of 'creating', 'created', 'running', 'paused', 'stopped', not 'up'",
    );
  });
});
