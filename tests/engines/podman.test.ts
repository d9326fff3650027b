import { engineSuite } from "./cases.ts";
import { PODMAN_UNSUPPORTED, podmanEngine } from "./podman-engine.ts";

engineSuite("podman", { tools: ["podman", "conmon"], unsupported: PODMAN_UNSUPPORTED }, podmanEngine);
