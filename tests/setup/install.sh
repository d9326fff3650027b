#!/usr/bin/env bash
# Installs what bunker's build, demo and tests need on a fresh Debian bookworm machine (as root): Debian packages
# that are missing, then the npm packages (Bun comes from npm). Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
# golang-github-containers-common: podman's default seccomp profile; python3: the seccomp tests' probes and agent.
# containernetworking-plugins, iproute2, iptables, iperf3: the network tests (CNI plugins, namespaces, rate measurements).
# The image suites: umoci, skopeo, docker save, podman (a multi-platform index), a registry, TLS certificates, script
# (util-linux: a terminal for the progress lines); the image bench: containerd, strace; time: a command's own peak RSS.
for pkg in busybox-static crun runc hyperfine golang-github-containers-common python3 containernetworking-plugins iproute2 iptables iperf3 umoci skopeo docker-registry docker.io podman util-linux containerd openssl strace time; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if ((${#need[@]})); then
  echo "install: apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [[ ! -x node_modules/.bin/bun ]] || ! node_modules/.bin/bun --version >/dev/null 2>&1; then
  echo "install: npm ci"
  npm ci --no-audit --no-fund --foreground-scripts >/dev/null
fi
