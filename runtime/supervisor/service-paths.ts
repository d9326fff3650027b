// Where the service manager keeps what it makes: instance bundles and output pipes in the state root (tmpfs, gone at
// boot like the containers), logs and named volumes on persistent storage.
import { join } from "node:path";

export interface ServicePaths {
  /** <root>/.services/bundles/<instance>/config.json */
  bundles: string;
  /** The directory of a service's two output pipes. */
  output(service: string): string;
  logs: string;
  volumes: string;
}

/**
 * The board default keeps logs and volumes on flash (/var/lib/bunker) although --root (/run) is tmpfs; another root
 * keeps them in hidden entries of its own (hidden: the supervisor's watch of the root does not take them for
 * containers, nor wake up for their writes).
 */
export const servicePaths = (root: string, overrides: { logs?: string; volumes?: string } = {}): ServicePaths => {
  const board = root === "/run/bunker";
  return {
    bundles: join(root, ".services", "bundles"),
    output: (service) => join(root, ".services", "output", service),
    logs: overrides.logs ?? (board ? "/var/lib/bunker/logs" : join(root, ".logs")),
    volumes: overrides.volumes ?? (board ? "/var/lib/bunker/volumes" : join(root, ".volumes")),
  };
};
