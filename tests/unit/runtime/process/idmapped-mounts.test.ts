import { describe, expect, test } from "bun:test";
import { idmapRequests } from "../../../../runtime/process/idmapped-mounts.ts";
import type { Config } from "../../../../runtime/spec/config.ts";

const own = [{ containerID: 0, hostID: 1000, size: 1 }];
const container = [{ containerID: 0, hostID: 100000, size: 65536 }];

const config = (mounts: Config["mounts"]): Config =>
  ({ ociVersion: "1.2.0", process: { user: { uid: 0, gid: 0 }, args: ["sh"], cwd: "/" }, root: { path: "/b/rootfs" }, mounts, linux: { uidMappings: container, gidMappings: container } }) as Config;

describe("idmapRequests()", () => {
  test("takes the mount's own maps, else the container's, and the recursion of rbind and ridmap", () => {
    const reqs = idmapRequests(
      config([
        { destination: "/proc", type: "proc", source: "proc" },
        { destination: "/a", type: "bind", source: "vol", options: ["bind"], uidMappings: own, gidMappings: own },
        { destination: "/b", type: "bind", source: "/srv/b", options: ["rbind", "idmap"] },
        { destination: "/c", type: "bind", source: "/srv/c", options: ["rbind", "ridmap"] },
      ]),
      "/bundle",
    );
    expect(reqs).toEqual([
      { mount: 1, destination: "/a", source: "/bundle/vol", uidMappings: own, gidMappings: own, recursiveTree: false, recursiveIdmap: false },
      { mount: 2, destination: "/b", source: "/srv/b", uidMappings: container, gidMappings: container, recursiveTree: true, recursiveIdmap: false },
      { mount: 3, destination: "/c", source: "/srv/c", uidMappings: container, gidMappings: container, recursiveTree: true, recursiveIdmap: true },
    ]);
  });

  test("asks for nothing when no mount is idmapped", () => {
    expect(idmapRequests(config([{ destination: "/a", type: "bind", source: "/srv", options: ["rbind"] }]), "/bundle")).toEqual([]);
  });
});
