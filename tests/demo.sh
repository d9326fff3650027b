#!/usr/bin/env bash
# Installs, builds and runs a real container: busybox from Debian, every namespace but user and time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup/install.sh
node_modules/.bin/bun build.ts bunker-linux-x64
bundle=$(mktemp -d /tmp/bunker-demo.XXXXXX)
node_modules/.bin/bun tests/support/bundle.ts "$bundle" sh -c '
  echo "hostname: $(hostname)"
  echo "my PID:   $$"
  echo "processes:"; ps -o pid,comm
  echo "my mounts:"; cat /proc/self/mountinfo | cut -d" " -f5,6,9 | sed "s/^/  /"' >/dev/null
cd "$bundle"
"$OLDPWD/dist/bunker-linux-x64" --root /run/bunker-demo run "demo-$$"
rm -rf "$bundle"
