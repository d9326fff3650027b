import { describe, expect, test } from "bun:test";
import { defaultConfig } from "../../../../runtime/spec/default.ts";
import { serviceConfig } from "../../../../runtime/supervisor/service-config.ts";
import { target } from "./fake-world.ts";

describe("serviceConfig()", () => {
  const base = { ...defaultConfig(), annotations: { "bunker.restart": "always", "bunker.restart.limit": "9", "org.example": "kept" } };
  base.linux = { ...base.linux, cgroupsPath: "/board/app" };
  base.process.env = ["PATH=/bin", "MODE=old"];
  const d = target("1", {
    web: {
      args: ["/bin/web", "--port", "80"], env: { MODE: "new", EXTRA: "1" }, cwd: "/srv", user: { uid: 1000, gid: 1000 },
      mounts: [{ source: "/etc/web", destination: "/config", readonly: true }], volumes: [{ name: "web-data", destination: "/data" }],
      memory: { class: "system", limit: "64M", swap: "16M" }, cpu: { cpus: 0.5, cpuset: "0" }, pids: { limit: 32 },
      dependsOn: { db: {} }, stopSignal: "SIGINT", stopGracePeriod: "3s",
    },
    db: {},
  }).services.get("web")!;
  const c = serviceConfig(base, d, "/var/lib/bunker/volumes");

  test("applies the target's overrides to the bundle's process and resources", () => {
    expect(c.process).toMatchObject({ args: ["/bin/web", "--port", "80"], cwd: "/srv", user: { uid: 1000, gid: 1000 }, terminal: false, env: ["PATH=/bin", "MODE=new", "EXTRA=1"] });
    expect(c.linux?.resources).toMatchObject({ memory: { limit: 64 << 20 }, cpu: { quota: 50_000, period: 100_000, cpus: "0" }, pids: { limit: 32 } });
    expect(c.mounts?.slice(-2)).toEqual([
      { destination: "/config", source: "/etc/web", type: "bind", options: ["rbind", "rprivate", "ro"] },
      { destination: "/data", source: "/var/lib/bunker/volumes/web-data", type: "bind", options: ["rbind", "rprivate"] },
    ]);
  });

  test("drops the bundle's restart annotations (restarts are the service manager's) and marks the instance", () => {
    expect(c.annotations).toEqual({
      "org.example": "kept",
      "bunker.memory.class": "system",
      "bunker.swap": "16M",
      "bunker.service": "web",
      "bunker.service.hash": d.hash,
      "bunker.service.depends-on": "db",
      "bunker.service.stop": "2 3000",
    });
  });

  test("the network section becomes the annotations create reads, over the bundle's own", () => {
    const withNet = { ...base, annotations: { ...base.annotations, "bunker.network": "host", "bunker.net.bind": "1-1024" } };
    const n = target("1", { api: { network: { mode: "bridge", ports: ["8080:80/tcp"], egress: { rate: "10mbit" }, policy: { connect: ["127.0.0.1:5432"] } } } }).services.get("api")!;
    expect(serviceConfig(withNet, n, "/v").annotations).toMatchObject({
      "bunker.network": "bridge", "bunker.net.ports": "8080:80/tcp", "bunker.net.egress-rate": "10mbit", "bunker.net.connect": "127.0.0.1:5432", "bunker.net.bind": "1-1024",
    });
    expect(Object.keys(c.annotations ?? {}).filter((k) => k.startsWith("bunker.net"))).toEqual([]);
  });

  test("gives each instance its own cgroup beside the bundle's", () => {
    expect(c.linux?.cgroupsPath).toBe(`/board/web.${d.hash.slice(0, 12)}`);
    expect(serviceConfig(defaultConfig(), d, "/v").linux?.cgroupsPath).toBeUndefined();
  });
});
