# Over-the-air updates on the board (sourced by board/ota.ts's jobs after a prelude that sets B, SVC, STEP).
# Each service counts its own starts on its volume ("<boot id> <spec>"), printed at the end as BOARD-STARTS lines.
#   install  the daemon, then the signed version 1 (a first install); the disk is kept as every run's start
#   update   the daemon takes up version 1; the signed version 2 is applied (the host cuts the power in there)
#   recover  the daemon starts (it resumes or rolls back the update), then reports what runs
export PATH=/run/board/bin:/opt/bunker/bin

. "$SVC/guest-daemon.sh"

# Until no update is in progress and the target is reached ($1 seconds at most).
settled() {
  i=0
  while [ $i -lt $(($1 * 2)) ]; do
    s=$("$B" status --json 2>/dev/null)
    if echo "$s" | grep -q '"converged":true' && ! "$B" ota status --json 2>/dev/null | grep -q '"inProgress":true'; then return 0; fi
    sleep 0.5
    i=$((i + 1))
  done
  echo "BOARD-FAIL not settled in $1 s"
  "$B" status
  "$B" ota status
  return 1
}

report() {
  for s in db api web; do
    echo "BOARD-STARTS $s $(tr '\n' ',' < /var/lib/bunker/volumes/$s-data/starts 2>/dev/null)"
  done
  echo "BOARD-STATUS $("$B" status --json)"
  echo "BOARD-OTA $("$B" ota status --json)"
  echo "BOARD-BOOT $(cat /proc/sys/kernel/random/boot_id)"
}

case "$STEP" in
install)
  start_daemon daemon.json --trust "$SVC/ota-trust" || exit 1
  "$B" ota apply "$SVC/ota-update-1.json" || exit 1
  settled 300 || exit 1
  sync
  report
  ;;
update)
  start_daemon daemon.json --trust "$SVC/ota-trust" || exit 1
  settled 300 || exit 1
  report
  mark update-start
  "$B" ota apply --json "$SVC/ota-update-2.json" > /run/ota.json
  mark update-end "$(tail -1 /run/ota.json)"
  settled 300 && mark settled
  sleep 1000
  ;;
recover)
  start_daemon daemon.json --trust "$SVC/ota-trust" || exit 1
  settled 300 || exit 1
  report
  ;;
esac
