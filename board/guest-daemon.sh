# The daemon on the board, for the guest scripts of board/services.ts and board/ota.ts (sourced by them; B and SVC
# are set by their prelude).

mark() { echo "BOARD-MARK $*"; }

# Until the daemon answers on its socket (120 s at most).
daemon_up() {
  i=0
  while [ $i -lt 600 ]; do
    "$B" status --json 2>/dev/null | grep -q '"running":true' && return 0
    sleep 0.2
    i=$((i + 1))
  done
  echo "BOARD-FAIL the daemon did not answer in 120 s"
  cat /run/daemon.log
  return 1
}

# $1: the daemon's configuration in $SVC (default: daemon.json); the rest: more daemon options.
start_daemon() {
  config=${1:-daemon.json}
  [ $# -gt 0 ] && shift
  "$B" daemon --config "$SVC/$config" "$@" > /run/daemon.log 2>&1 &
  DAEMON=$!
  daemon_up
}
