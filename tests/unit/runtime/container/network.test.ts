import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readoptPolicy } from "../../../../runtime/container/network.ts";
import { readRecord, writeRecord } from "../../../../runtime/container/record.ts";
import { policyFromAnnotations } from "../../../../runtime/network/sock-policy.ts";
import { applySockPolicy } from "../../../../runtime/network/sock-policy-attach.ts";
import { fakeNetwork } from "../network/fake-network.ts";
import { record } from "./fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "bunker-readopt-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("readoptPolicy()", () => {
  test("puts back a program that went missing, records its new id, and is quiet once all are attached", () => {
    const sys = fakeNetwork();
    const annotations = { "bunker.net.connect": "127.0.0.1:8080" };
    const programs = applySockPolicy("/cg/t", policyFromAnnotations(annotations)!, sys.bpf);
    mkdirSync(join(root, "t"));
    writeRecord(root, record({ annotations, network: { policy: { dir: "/cg/t", programs } } }));
    expect(readoptPolicy(root, "t", sys)).toBeUndefined();
    // Someone detached connect4 (attach type 10, BPF_CGROUP_INET4_CONNECT).
    sys.programs.delete("/cg/t 10");
    expect(readoptPolicy(root, "t", sys)).toBe("Container 't': the socket policy's connect4 program was no longer attached and was attached again");
    const now = readRecord(root, "t").network!.policy!.programs;
    expect(now.connect4).not.toBe(programs.connect4);
    expect(sys.programs.get("/cg/t 10")).toEqual([now.connect4!]);
    expect(readoptPolicy(root, "t", sys)).toBeUndefined();
  });
});
