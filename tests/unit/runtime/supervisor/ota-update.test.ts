// The update transaction against recording fakes of the service manager, the image store, the journal and the
// documents: every call is recorded in order, and a call a test did not plan for fails loudly.
import { describe, expect, test } from "bun:test";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import type { OtaState } from "../../../../runtime/durable/ota-records.ts";
import { silentProgress } from "../../../../image/progress.ts";
import { compareVersions } from "../../../../runtime/supervisor/ota-document.ts";
import { generateKey, keyIdOf, signPayload, verifyEnvelope } from "../../../../runtime/supervisor/ota-keys.ts";
import { applyUpdate, resumeUpdate, rollbackTarget, type OtaDeps, type OtaFile } from "../../../../runtime/supervisor/ota-update.ts";
import type { GateResult } from "../../../../runtime/supervisor/service-manager.ts";

const NOW = 1_800_000_000_000;
const D1 = `r.local/app@sha256:${"1".repeat(64)}`;
const D2 = `r.local/app@sha256:${"2".repeat(64)}`;

const svc = (image: string, extra: Record<string, unknown> = {}) => ({ image, args: ["run"], ...extra });
const target = (version: string, services: Record<string, unknown>) => ({ device: "d", version, services });
const V1 = target("1", { web: svc(D1), db: svc(D1) });

interface World {
  deps: OtaDeps;
  calls: string[];
  state: OtaState | undefined;
  files: Map<OtaFile, string>;
  targetDoc: string | undefined;
}

const key = generateKey("ed25519");

const sign = (t: unknown, opts: { expires?: number; rollback?: "service" | "all"; pem?: string } = {}): string =>
  JSON.stringify(
    signPayload(new TextEncoder().encode(JSON.stringify({ target: t, expires: new Date(opts.expires ?? NOW + 3600_000).toISOString(), rollback: opts.rollback ?? "service", gate: { window: "1s" } })), opts.pem ?? key.privatePem, "key"),
  );

/** A device running V1 (journaled target, no update yet); `gates` says what each service's gate answers. */
const world = (gates: Record<string, GateResult["outcome"]> = {}, opts: { budget?: Error; fetch?: Error } = {}): World => {
  const w: World = { calls: [], state: undefined, files: new Map(), targetDoc: JSON.stringify(V1), deps: undefined as unknown as OtaDeps };
  const rec = (s: string) => void w.calls.push(s);
  w.deps = {
    services: {
      apply: async (doc, file) => {
        rec(`apply ${file}: ${JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(doc).services).map(([n, s]) => [n, (s as { image: string }).image.slice(-2)])))}`);
        w.targetDoc = doc;
        return { device: "d", version: JSON.parse(doc).version, plan: { steps: [], services: [] } };
      },
      gate: async (service, ms) => {
        rec(`gate ${service} ${ms}`);
        const outcome = gates[service];
        if (!outcome) throw new Error(`unexpected gate of '${service}'`);
        return outcome === "healthy" || outcome === "running" ? { service, outcome } : { service, outcome, detail: "sim" };
      },
      target: () => w.targetDoc,
    },
    images: {
      budget: async (refs) => {
        rec(`budget ${refs.map((r) => r.slice(-2)).join(",")}`);
        if (opts.budget) throw opts.budget;
      },
      fetch: async (ref) => {
        rec(`fetch ${ref.slice(-2)}`);
        if (opts.fetch) throw opts.fetch;
      },
      stage: async (ref) => rec(`stage ${ref.slice(-2)}`),
      setPins: (set, refs) => rec(`pins ${set} ${refs.map((r) => r.slice(-2)).join(",")}`),
    },
    journal: {
      state: () => w.state,
      record: (s) => {
        rec(`journal ${s.phase}${s.outcome ? ` ${s.outcome}` : ""}`);
        w.state = structuredClone(s);
      },
    },
    files: {
      read: (n) => w.files.get(n),
      write: (n, t) => {
        rec(`write ${n}`);
        w.files.set(n, t);
      },
      remove: (n) => {
        rec(`remove ${n}`);
        w.files.delete(n);
      },
    },
    trust: new Map([[key.keyid, createPublicKey(key.publicPem)]]),
    progress: silentProgress,
    now: () => NOW,
  };
  return w;
};

describe("applyUpdate()", () => {
  test("a healthy update: pins move only after every switched service passed its gate; unchanged services are not gated", async () => {
    const w = world({ web: "running" });
    const r = await applyUpdate(w.deps, sign(target("2", { web: svc(D2), db: svc(D1) })), "u.json");
    expect(r.state).toMatchObject({ version: "2", from: "1", phase: "done", outcome: "committed", installed: "2" });
    expect(r.state.services).toEqual([{ name: "db", outcome: "unchanged" }, { name: "web", outcome: "running" }]);
    expect(w.calls).toEqual([
      "write last-known-good", "write pending", "journal budget", "budget 11,22", "journal download", "fetch 11", "fetch 22", "journal stage", "stage 11", "stage 22",
      "journal switch", "pins running 11,22", 'apply update 2: {"web":"22","db":"11"}', "journal gate", "gate web 1000", "journal commit",
      "pins last-known-good 11,22", "pins running 11,22", "write last-known-good", "journal done committed", "remove pending",
    ]);
    expect(JSON.parse(w.files.get("last-known-good")!).version).toBe("2");
  });

  test("a service failing its gate is rolled back alone to its last-known-good spec; the other change is kept", async () => {
    const w = world({ web: "crash-loop", db: "healthy" });
    const r = await applyUpdate(w.deps, sign(target("2", { web: svc(D2), db: svc(D2) })), "u.json");
    expect(r.state).toMatchObject({ outcome: "partial", installed: "2" });
    expect(r.state.services).toEqual([{ name: "db", outcome: "healthy" }, { name: "web", outcome: "rolled-back", reason: "crash-loop: sim" }]);
    expect(w.calls).toContain('apply rollback of update 2: {"web":"11","db":"22"}');
    expect(w.calls.slice(-5)).toEqual(["pins last-known-good 11,22", "pins running 11,22", "write last-known-good", "journal done partial", "remove pending"]);
  });

  test("with rollback: all, one failing service takes every switched one back, and the version may be tried again", async () => {
    const w = world({ web: "timeout", db: "healthy" });
    const r = await applyUpdate(w.deps, sign(target("2", { web: svc(D2), db: svc(D2) }), { rollback: "all" }), "u.json");
    expect(r.state).toMatchObject({ outcome: "rolled-back", installed: "1" });
    expect(w.calls).toContain('apply rollback of update 2: {"web":"11","db":"11"}');
    expect(r.version).toBe("1");
  });

  test("refusals before anything is written: unknown key, bad signature, expired, not above the installed version", async () => {
    const stranger = generateKey("p256");
    const good = JSON.parse(sign(target("2", { web: svc(D2) })));
    const cases: [string, RegExp][] = [
      [sign(target("2", { web: svc(D2) }), { pem: stranger.privatePem }), /signed by sha256:[0-9a-f]{64}, no key of the trust directory$/],
      [JSON.stringify({ ...good, payload: Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(good.payload, "base64").toString()), rollback: "all" })).toString("base64") }), /does not match its payload$/],
      [sign(target("2", { web: svc(D2) }), { expires: NOW - 1 }), /version '2' expired at /],
      [sign(target("1", { web: svc(D2) })), /version '1' is not above the installed '1'/],
      [sign(target("0.9", { web: svc(D2) })), /version '0.9' is not above the installed '1'/],
      [sign(target("v2", { web: svc(D2) })), /'v2' is not an update version/],
      [JSON.stringify(target("2", {})), /Invalid u\.json: \/payloadType: /],
    ];
    for (const [text, message] of cases) {
      const w = world();
      await expect(applyUpdate(w.deps, text, "u.json")).rejects.toThrow(message);
      expect(w.calls).toEqual([]);
    }
  });

  test("a budget that does not fit ends the update refused, nothing downloaded or switched; the same version may come again", async () => {
    const w = world({}, { budget: new Error("needs 9 MiB more: 3 MiB missing") });
    await expect(applyUpdate(w.deps, sign(target("2", { web: svc(D2), db: svc(D1) })), "u.json")).rejects.toThrow(
      "Update '2' refused in phase budget, the running set untouched: needs 9 MiB more: 3 MiB missing",
    );
    expect(w.calls).toEqual(["write last-known-good", "write pending", "journal budget", "budget 11,22", "journal done refused", "remove pending"]);
    expect(w.state).toMatchObject({ outcome: "refused", installed: "1" });
  });
});

describe("resumeUpdate()", () => {
  const interrupted = async (phase: OtaState["phase"], entries = 1) => {
    const w = world({ web: "running" });
    const text = sign(target("2", { web: svc(D2), db: svc(D1) }));
    w.files.set("pending", text);
    w.files.set("last-known-good", JSON.stringify(V1));
    w.state = { kind: "ota", version: "2", from: "1", phase, entries, rollback: "service", installed: "1", services: [{ name: "db", outcome: "unchanged" }, { name: "web", outcome: "switched" }] };
    return w;
  };

  test("cut during the download: the download resumes and the update goes on", async () => {
    const w = await interrupted("download");
    const r = await resumeUpdate(w.deps);
    expect(r!.state.outcome).toBe("committed");
    expect(w.calls.slice(0, 3)).toEqual(["journal download", "fetch 11", "fetch 22"]);
    expect(w.calls).not.toContain("budget 11,22");
  });

  test("cut during the gate: the switched services are rolled back (nothing was proven); unchanged ones are not touched", async () => {
    const w = await interrupted("gate");
    const r = await resumeUpdate(w.deps);
    expect(r!.state).toMatchObject({ outcome: "rolled-back", installed: "1" });
    expect(w.calls[0]).toBe("journal rollback");
    expect(w.calls).toContain('apply rollback of update 2: {"web":"11","db":"11"}');
    expect(w.calls.filter((c) => c.startsWith("gate"))).toEqual([]);
  });

  test("a phase entered more often than the bound gives up instead of looping", async () => {
    const w = await interrupted("download", 5);
    const r = await resumeUpdate(w.deps);
    expect(r!.state).toMatchObject({ phase: "done", outcome: "gave-up", reason: "download: entered 5 times without finishing" });
    expect(w.calls).toEqual(["journal download", "journal done gave-up", "remove pending"]);
  });

  test("nothing in progress: only a leftover pending document is removed", async () => {
    const w = world();
    expect(await resumeUpdate(w.deps)).toBeUndefined();
    expect(w.calls).toEqual(["remove pending"]);
  });
});

test("rollbackTarget() brings back a dependency the new target dropped", () => {
  const lkg = JSON.stringify(target("1", { web: svc(D1, { dependsOn: { db: {} } }), db: svc(D1) }));
  const next = JSON.stringify(target("2", { web: svc(D2), api: svc(D2) }));
  expect(Object.keys(JSON.parse(rollbackTarget(next, lkg, ["web"], false)).services).sort()).toEqual(["api", "db", "web"]);
  expect(rollbackTarget(next, lkg, ["web"], true)).toBe(lkg);
});

test("compareVersions() orders dot-separated numbers", () => {
  expect([compareVersions("2026.12.10", "2026.12.9"), compareVersions("1.0", "1"), compareVersions("2", "2"), compareVersions("1", "1.0.1")]).toEqual([1, 1, 0, -1]);
});

test("keys: ed25519 and ECDSA P-256 sign and verify; an RSA key is refused", () => {
  for (const type of ["ed25519", "p256"] as const) {
    const k = generateKey(type);
    const env = signPayload(new TextEncoder().encode("{}"), k.privatePem, "k");
    expect(env.signatures[0]!.keyid).toBe(k.keyid);
    expect(keyIdOf(createPublicKey(k.publicPem))).toBe(k.keyid);
    expect(Buffer.from(verifyEnvelope(env, new Map([[k.keyid, createPublicKey(k.publicPem)]]), "f").bytes).toString()).toBe("{}");
  }
  const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  expect(() => signPayload(new Uint8Array(), rsa, "rsa.key")).toThrow("Key 'rsa.key': rsa is not accepted (ed25519 or ECDSA P-256)");
});
