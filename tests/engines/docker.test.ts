import { DOCKER_CLI } from "../support/engines/dockerd.ts";
import { engineSuite } from "./cases.ts";
import { dockerEngine } from "./docker-engine.ts";

engineSuite("docker", { tools: ["containerd", "containerd-shim-runc-v2", "dockerd", DOCKER_CLI] }, dockerEngine);
