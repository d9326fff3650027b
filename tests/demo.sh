#!/usr/bin/env bash
# Installs, builds, and runs bunker's main job on this machine: an image made with the ecosystem's tools (umoci for
# an OCI image of Debian's busybox-static, skopeo for a docker-archive, as `docker save` writes), imported into
# bunker's image store, and two services from it brought up by `bunker daemon` from a target state (`bunker apply`):
# one with a health check, one that waits for it to be healthy. Then `bunker status` and `bunker logs`; on exit the
# daemon is stopped (it stops the services in reverse dependency order) and everything made is removed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup/install.sh
node_modules/.bin/bun build.ts bunker-linux-x64 >/dev/null

work=$(mktemp -d /tmp/bunker-demo.XXXXXX)
root="/run/bunker-demo-$$"
bin="$PWD/dist/bunker-linux-x64"
bunker() { "$bin" --root "$root" --journal "$work/journal" --images "$work/images" "$@"; }
daemon=""
cleanup() {
  if [[ -n $daemon ]]; then
    echo "== stopping the daemon (the services stop first, web before db)"
    kill -TERM "$daemon" 2>/dev/null || true
    wait "$daemon" || true
    grep -o '"outcome":"begun","detail":"stop [^"]*the daemon stops' "$root/.events/services.jsonl" 2>/dev/null | sed 's/^.*"detail":"/   /' || true
  fi
  for id in $(bunker list --format json 2>/dev/null | grep -o '"id": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/'); do bunker delete --force "$id" || true; done
  rm -rf "$work" "$root"
}
trap cleanup EXIT

echo "== an image: umoci builds an OCI image of busybox, skopeo turns it into a docker-archive"
umoci init --layout "$work/oci"
umoci new --image "$work/oci:demo"
umoci unpack --image "$work/oci:demo" "$work/unpacked" >/dev/null
mkdir -p "$work/unpacked/rootfs/bin" "$work/unpacked/rootfs/tmp"
cp /bin/busybox "$work/unpacked/rootfs/bin/busybox"
for applet in sh echo sleep cat hostname date wc; do ln -s busybox "$work/unpacked/rootfs/bin/$applet"; done
umoci repack --image "$work/oci:demo" "$work/unpacked"
umoci config --image "$work/oci:demo" --config.cmd /bin/sh
skopeo copy -q "oci:$work/oci:demo" "docker-archive:$work/demo.tar:bunker-demo/busybox:1"

echo "== bunker image import (the store is $work/images)"
bunker image import "$work/demo.tar" >/dev/null
bunker image ls
digest=$(bunker image ls --json | grep -o '"digest": *"sha256:[0-9a-f]*"' | head -1 | grep -o 'sha256:[0-9a-f]*')
image="bunker-demo/busybox@$digest"

cat >"$work/target.json" <<EOF
{
  "device": "demo",
  "version": "1",
  "services": {
    "db": {
      "image": "$image",
      "args": ["sh", "-c", "echo db: up in \$(hostname); date > /tmp/ready; trap 'exit 0' TERM; while :; do sleep 1; done"],
      "healthCheck": { "exec": ["cat", "/tmp/ready"], "interval": "2s", "startInterval": "300ms" },
      "memory": { "limit": "32M" }
    },
    "web": {
      "image": "$image",
      "args": ["sh", "-c", "i=0; trap 'echo web: bye; exit 0' TERM; while :; do i=\$((i+1)); echo web: request \$i; sleep 0.5; done"],
      "dependsOn": { "db": { "condition": "healthy" } },
      "volumes": [{ "name": "web-data", "destination": "/data" }]
    }
  }
}
EOF
echo "== the target state ($work/target.json): db (health check), web (waits for db to be healthy), both from $image"

echo "== bunker daemon (in the background; state root $root)"
# Not through the function: $! must be the daemon itself, which SIGTERM stops (services first).
"$bin" --root "$root" --journal "$work/journal" --images "$work/images" daemon >"$work/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 100); do [[ -S $root/.daemon.sock ]] && break; sleep 0.1; done
[[ -S $root/.daemon.sock ]] || { cat "$work/daemon.log"; echo "the daemon did not start" >&2; exit 1; }

echo "== bunker apply"
bunker apply "$work/target.json"
for _ in $(seq 300); do bunker status --json | grep -q '"converged": *true' && break; sleep 0.1; done
sleep 2 # some output for the logs

echo "== bunker status"
bunker status
echo "== bunker logs --tail 4 web"
bunker logs --tail 4 web
echo "== bunker logs db"
bunker logs db

echo "== a new target version: web's spec changes, db's does not (db is not restarted)"
sed -e 's/"version": "1"/"version": "2"/' -e 's/echo web: request/echo web v2: request/' "$work/target.json" >"$work/target-2.json"
bunker apply "$work/target-2.json"
for _ in $(seq 300); do bunker status --json | grep -q '"converged": *true' && break; sleep 0.1; done
bunker status
