import { describe, expect, test } from "bun:test";
import { dependencyCycle, dependencyOrder } from "../../../../runtime/supervisor/dependency-order.ts";
import { serviceHash } from "../../../../runtime/supervisor/spec-hash.ts";
import { decodeTarget, parseTarget } from "../../../../runtime/supervisor/target-state.ts";

const DIGEST = `sha256:${"a".repeat(64)}`;
const doc = (services: Record<string, unknown>) => ({ device: "board-1", version: "7", services });
const problem = (json: unknown): string => {
  try {
    decodeTarget(json);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("decoded without a problem");
};

describe("decodeTarget()", () => {
  test("fills in Docker's health check defaults, the restart policy and the stop behaviour", () => {
    const { target } = decodeTarget(doc({ web: { image: `registry.local/web@${DIGEST}`, healthCheck: { tcp: { port: 80 } } } }));
    const web = target.services.web!;
    expect(web.healthCheck).toEqual({ tcp: { port: 80, host: "127.0.0.1" }, interval: "30s", timeout: "30s", retries: 3, startPeriod: "0s", startInterval: "5s" });
    expect(web.restart).toEqual({ policy: "on-failure", backoff: "1s", backoffMax: "1m", limit: 5, window: "10m" });
    expect([web.stopSignal, web.stopGracePeriod, web.strategy, web.memory.class, web.logs.maxBytes]).toEqual(["SIGTERM", "10s", "stop-then-start", "normal", "128K"]);
    expect(web.dependsOn).toEqual({});
  });

  test("leaves the caller's document as written, which is what the spec hash covers", () => {
    const json = doc({ web: { bundle: "/b/web" } });
    const { written } = decodeTarget(json);
    expect(json.services).toEqual({ web: { bundle: "/b/web" } });
    expect(serviceHash(written.web)).toBe(serviceHash({ bundle: "/b/web" }));
    expect(serviceHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(serviceHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
  });

  test("names the JSON pointer of every kind of problem", () => {
    expect(problem(doc({ web: { image: "web:latest" } }))).toStartWith("Invalid target state: /services/web/image: ");
    expect(problem(doc({ web: {} }))).toBe("Invalid target state: /services/web: Needs exactly one of 'image' and 'bundle'");
    expect(problem(doc({ "Web App": { bundle: "/b" } }))).toBe("Invalid target state: /services/Web App: Not a service name: use a-z, 0-9, '-' and '_', at most 63 characters");
    expect(problem(doc({ web: { bundle: "b" } }))).toBe("Invalid target state: /services/web/bundle: Not an absolute path: 'b'");
    expect(problem(doc({ web: { bundle: "/b", healthCheck: { interval: "5s" } } }))).toBe("Invalid target state: /services/web/healthCheck: Needs exactly one of 'exec' and 'tcp'");
    expect(problem(doc({ web: { bundle: "/b", healthCheck: { exec: ["true"], interval: "soon" } } }))).toStartWith("Invalid target state: /services/web/healthCheck/interval: ");
    expect(problem(doc({ web: { bundle: "/b", dependsOn: { db: {} } } }))).toBe("Invalid target state: /services/web/dependsOn/db: No service 'db' in /services");
    expect(problem(doc({ db: { bundle: "/b" }, web: { bundle: "/b", dependsOn: { db: { condition: "healthy" } } } }))).toBe(
      "Invalid target state: /services/web/dependsOn/db/condition: 'healthy' needs a healthCheck on service 'db'",
    );
    expect(problem(doc({ web: { bundle: "/b", stopSignal: "SIGNOPE" } }))).toBe("Invalid target state: /services/web/stopSignal: Unknown signal 'SIGNOPE'");
    expect(problem(doc({ web: { bundle: "/b", restart: { policy: "sometimes" } } }))).toBe(
      "Invalid target state: /services/web/restart/policy: Expected one of 'no', 'on-failure', 'always', not 'sometimes'",
    );
    expect(problem(doc({ web: { bundle: "/b", restart: { backoff: "10s", backoffMax: "1s" } } }))).toBe("Invalid target state: /services/web/restart/backoffMax: Shorter than backoff ('10s')");
    expect(problem(doc({ web: { bundle: "/b", volumes: [{ name: "data", destination: "/d" }], mounts: [{ source: "/x", destination: "/d" }] } }))).toBe(
      "Invalid target state: /services/web/volumes/0/destination: '/d' is already the destination of /services/web/mounts/0",
    );
    expect(problem(doc({ web: { bundle: "/b", colour: "red" } }))).toBe("Invalid target state: /services/web/colour: Unexpected property");
    expect(problem({ ...doc({}), extra: 1 })).toBe("Invalid target state: /extra: Unexpected property");
    expect(() => parseTarget("{", "t.json")).toThrow("Invalid t.json: Not JSON");
  });

  test("a service's network section: defaults filled in, annotations checked as create checks them, named by pointer", () => {
    const { target } = decodeTarget(doc({ web: { bundle: "/b", network: { mode: "bridge", ports: ["8080:80/tcp"], egress: { rate: "10mbit" } } } }));
    expect(target.services.web!.network).toEqual({ mode: "bridge", ports: ["8080:80/tcp"], egress: { rate: "10mbit" } });
    expect(decodeTarget(doc({ web: { bundle: "/b", network: {} } })).target.services.web!.network).toEqual({ mode: "none", ports: [] });
    expect(problem(doc({ web: { bundle: "/b", network: { mode: "none", ports: ["8080:80"] } } }))).toBe(
      "Invalid target state: /services/web/network: bunker.net.ports need a CNI network: set 'bunker.network' to bridge or a network's name",
    );
    expect(problem(doc({ web: { bundle: "/b", network: { mode: "bridge", ports: ["80:99999"] } } }))).toStartWith("Invalid target state: /services/web/network: Annotation 'bunker.net.ports': ");
    expect(problem(doc({ web: { bundle: "/b", network: { mode: "bridge", colour: "red" } } }))).toBe("Invalid target state: /services/web/network/colour: Unexpected property");
  });

  test("refuses a dependency cycle, naming it", () => {
    const cyclic = doc({ a: { bundle: "/b", dependsOn: { b: {} } }, b: { bundle: "/b", dependsOn: { c: {} } }, c: { bundle: "/b", dependsOn: { a: {} } } });
    expect(problem(cyclic)).toBe("Invalid target state: /services/a/dependsOn: Dependency cycle: a -> b -> c -> a");
    expect(problem(doc({ a: { bundle: "/b", dependsOn: { a: {} } } }))).toBe("Invalid target state: /services/a/dependsOn: Dependency cycle: a -> a");
  });
});

describe("dependencyOrder()", () => {
  test("puts dependencies first, ties by name, and throws on a cycle", () => {
    expect(dependencyOrder(new Map([["web", ["api"]], ["api", ["db"]], ["db", []], ["cache", []]]))).toEqual(["db", "api", "cache", "web"]);
    expect(dependencyCycle(new Map([["x", ["y"]], ["y", ["x"]]]))).toEqual(["x", "y", "x"]);
    expect(() => dependencyOrder(new Map([["x", ["y"]], ["y", ["x"]]]))).toThrow("Dependency cycle: x -> y -> x");
  });
});
