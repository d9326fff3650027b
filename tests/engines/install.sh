#!/usr/bin/env bash
# Installs what the engines suite needs on a fresh Debian bookworm machine (as root), skipping what is present:
# the engines (containerd, Docker, podman with conmon and its default configuration), the image tools (umoci,
# skopeo), runc as the baseline, and `script` (util-linux) for ctr's terminal.
set -euo pipefail

need=()
for pkg in containerd docker.io podman conmon golang-github-containers-common umoci skopeo runc util-linux busybox-static; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
((${#need[@]})) || exit 0
echo "engines: apt-get install ${need[*]}"
# The suite starts its own daemons: keep the packages' init scripts from starting system-wide ones meanwhile.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
