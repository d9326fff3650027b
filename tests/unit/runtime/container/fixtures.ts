// A container's config and state record as the operations under test see them.
import type { ContainerRecord } from "../../../../runtime/container/record.ts";
import type { Config } from "../../../../runtime/spec/config.ts";
import { defaultConfig } from "../../../../runtime/spec/default.ts";

export const CREATED_AT = "2026-12-01T10:00:00.000Z";

/** `bunker spec`'s config without a terminal or a cgroup namespace, running `true`, with `edit` applied. */
export const config = (edit: (c: Config) => Config = (c) => c): Config => {
  const c = defaultConfig();
  const linux = { ...c.linux, namespaces: (c.linux?.namespaces ?? []).filter((n) => n.type !== "cgroup") };
  return edit({ ...c, linux, process: { ...c.process, terminal: false, args: ["/bin/true"] } });
};

export const record = (over: Partial<ContainerRecord> = {}): ContainerRecord => ({
  id: "t", pid: 4242, startTime: "99", bundle: "/b", rootfs: "/b/rootfs", created: CREATED_AT, creating: false,
  cgroupsPath: "t", annotations: {}, config: config(), ...over,
});
