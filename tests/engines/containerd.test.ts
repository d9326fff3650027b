import { engineSuite } from "./cases.ts";
import { CONTAINERD_UNSUPPORTED, containerdEngine } from "./containerd-engine.ts";

engineSuite("containerd", { tools: ["containerd", "ctr", "containerd-shim-runc-v2", "script"], unsupported: CONTAINERD_UNSUPPORTED }, containerdEngine);
