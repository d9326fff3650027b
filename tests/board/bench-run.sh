#!/bin/sh
# Side-by-side run figures on the board, one runtime after another: N foreground `run`s of the hello bundle (start to
# exit, from /proc/uptime), then the RSS of a foreground `run` while its container sleeps. Prints
# `BOARD-BENCH <runtime> run_ms=N` per run and `BOARD-BENCH <runtime> idle_rss_kb=N peak_rss_kb=N idle_anon_kb=N`.
# usage: bench-run.sh <bundles-dir> <runs> <name>=<executable>...
set -u
. "$(dirname "$0")/measure.sh"
bundles=$1 runs=$2
shift 2
for spec in "$@"; do
  name=${spec%%=*} exe=${spec#*=}
  root=/run/bench-$name
  i=0
  while [ $i -lt "$runs" ]; do
    i=$((i + 1))
    t0=$(uptime_s)
    if "$exe" --root "$root" run --bundle "$bundles/hello" "bench-$i" > /tmp/bench.out 2>&1; then
      echo "BOARD-BENCH $name run_ms=$(ms_between "$t0" "$(uptime_s)")"
    else
      echo "BOARD-BENCH $name run_failed=$i $(tr '\n' ' ' < /tmp/bench.out | cut -c1-160)"
    fi
  done
  "$exe" --root "$root" run --bundle "$bundles/rss" bench-rss > /tmp/bench.out 2>&1 &
  pid=$!
  sleep 6
  echo "BOARD-BENCH $name $(rss_of $pid)"
  wait $pid
done
