# The service manager on the board (sourced by board/services.ts's jobs, after a prelude that sets B, SVC, STEP).
# Each service counts its own starts on its volume: a line "<boot id> <spec>" per start, printed at the end as
# BOARD-STARTS lines for the host to check. STEP says what this boot does:
#   apply1   start the daemon, apply version 1 (the host cuts the power somewhere in there)
#   change   start the daemon, apply version 1, wait for it, then apply version 2 (the cut comes during the change)
#   recover  start the daemon (it takes up the journaled target), wait, apply the version the run ends with, report
#   idle     10 quiet services: the daemon's resident set, wake-ups and writes over a minute
#   watchdog the daemon arms i6300esb; after a while it is stopped with SIGSTOP: the board must reset
#   clean    the daemon arms i6300esb and stops cleanly (magic close): the board must stay up
#   init     busybox init runs the daemon from the example inittab; the daemon is killed and respawned
export PATH=/run/board/bin:/opt/bunker/bin

. "$SVC/guest-daemon.sh"

# Waits until the daemon says the target (version $1, or any with "-") is reached; $2 seconds at most.
converged() {
  want=$1
  i=0
  while [ $i -lt $(($2 * 2)) ]; do
    s=$("$B" status --json 2>/dev/null)
    if echo "$s" | grep -q '"converged":true' && { [ "$want" = - ] || echo "$s" | grep -q "\"version\":\"$want\""; }; then return 0; fi
    sleep 0.5
    i=$((i + 1))
  done
  echo "BOARD-FAIL not converged on version $want in $2 s"
  "$B" status
  return 1
}

report() {
  for s in db api web flaky logger; do
    echo "BOARD-STARTS $s $(tr '\n' ',' < /var/lib/bunker/volumes/$s-data/starts 2>/dev/null)"
  done
  echo "BOARD-STATUS $("$B" status --json)"
  echo "BOARD-BOOT $(cat /proc/sys/kernel/random/boot_id)"
}

case "$STEP" in
apply1)
  start_daemon || exit 1
  mark apply-start
  "$B" apply "$SVC/target-1.json" > /dev/null
  converged 1 300 && mark converged
  sleep 1000
  ;;
change)
  start_daemon || exit 1
  "$B" apply "$SVC/target-1.json" > /dev/null
  converged 1 300 || exit 1
  sync
  report
  mark change-start
  "$B" apply "$SVC/target-2.json" > /dev/null
  converged 2 300 && mark converged
  sleep 1000
  ;;
recover)
  start_daemon || exit 1
  # What the journal held at the cut: the old target, the new one, or none (cut before it was durable).
  if "$B" status --json | grep -q '"version"'; then converged - 300 || exit 1; fi
  mark recovered "$("$B" status --json | grep -o '"version":"[^"]*"')"
  "$B" apply "$SVC/target-$END.json" > /dev/null
  converged "$END" 300 || exit 1
  report
  ;;
idle)
  start_daemon || exit 1
  "$B" apply "$SVC/target-idle.json" > /dev/null
  converged idle 600 || exit 1
  sleep 20
  pid=$DAEMON
  # Context switches per thread ("tid count"): wake-ups are the differences of threads present in both samples (and all
  # of a thread that is new), so a thread that ended between them takes nothing away.
  ctx() { for t in /proc/$pid/task/*; do echo "${t##*/} $(awk '/ctxt_switches/ { n += $2 } END { print n }' "$t/status")"; done; }
  wb() { awk '/^write_bytes/ { print $2 }' /proc/$pid/io; }
  sectors() { awk '{ print $7 }' /sys/block/vda/stat; }
  ctx > /tmp/ctx0; w0=$(wb); s0=$(sectors); t0=$(cut -d' ' -f1 /proc/uptime)
  sleep 60
  ctx > /tmp/ctx1; w1=$(wb); s1=$(sectors); t1=$(cut -d' ' -f1 /proc/uptime)
  woke=$(awk 'NR == FNR { a[$1] = $2; next } { n += $2 - ($1 in a ? a[$1] : 0) } END { print n }' /tmp/ctx0 /tmp/ctx1)
  echo "BOARD-FIGURE idle rss_kib=$(awk '/^VmRSS/ { print $2 }' /proc/$pid/status) anon_kib=$(awk '/^RssAnon/ { print $2 }' /proc/$pid/status) threads=$(ls /proc/$pid/task | wc -l) ctx=$woke seconds=$(awk "BEGIN { print $t1 - $t0 }") daemon_write_bytes=$((w1 - w0)) disk_sectors=$((s1 - s0)) services=$("$B" list | grep -c running)"
  ;;
watchdog)
  start_daemon daemon-watchdog.json || exit 1
  mark daemon-up "$(cat /sys/class/watchdog/watchdog0/timeout 2>/dev/null)"
  # Four timeouts and more: a daemon that runs keeps the board up.
  sleep 45
  mark watchdog-alive
  kill -STOP "$DAEMON"
  mark daemon-stopped
  sleep 120
  mark still-up
  ;;
clean)
  start_daemon daemon-watchdog.json || exit 1
  sleep 15
  kill -TERM "$DAEMON"
  wait "$DAEMON"
  mark daemon-exited "$?"
  sleep 45
  mark still-up
  ;;
init)
  # Run by busybox init (::once:), which respawns the daemon from the example's ::respawn: line.
  daemon_up || exit 1
  first=$(cat /run/bunker/.daemon.pid)
  "$B" apply "$SVC/target-1.json" > /dev/null
  converged 1 300 || exit 1
  report
  kill -9 "$first"
  mark daemon-killed "$first"
  i=0
  while [ $i -lt 600 ] && { [ ! -f /run/bunker/.daemon.pid ] || [ "$(cat /run/bunker/.daemon.pid)" = "$first" ]; }; do sleep 0.2; i=$((i + 1)); done
  daemon_up || exit 1
  mark daemon-respawned "$(cat /run/bunker/.daemon.pid)"
  converged 1 120 || exit 1
  report
  mark init-shutdown
  echo "BOARD-JOB-EXIT 0"
  # init runs the ::shutdown: line (the daemon stops the services in reverse order), then powers off.
  poweroff
  sleep 120
  ;;
esac
