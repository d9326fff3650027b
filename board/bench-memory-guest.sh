# The guest half of bench:memory (busybox sh on the emulated board). board/bench-memory.ts prepends the bundles
# (/run/bench/<name>/config.json) and sets B (bunker), EARLYOOM, RUNS, MODES and SCENARIOS. Each result is one line
# "BENCH <scenario> key=value ..." on the console, which the host side collects.
set -u
cg=/sys/fs/cgroup/bench
cs() { cut -d' ' -f1 /proc/uptime | tr -d .; }                # uptime in centiseconds
oom_kills() { dmesg | grep -c 'Killed process'; }
alive() { grep -q '^populated 1' "$cg/$1/cgroup.events" 2> /dev/null; }
state() { if alive "$1"; then echo alive; else echo dead; fi; }

if $B board swap --size 128M --algorithm lzo-rle --swappiness 100 > /dev/null; then
  echo "BENCH swap $(tail -n 1 /proc/swaps | tr -s ' \t' ' ')"
else
  echo "BENCH swap failed"
fi

echo '{}' > /run/bench/locked.json
echo '{"lockMemory": false}' > /run/bench/unlocked.json

# start_daemon <root> [locked|unlocked]: `bunker daemon` in the background, $D its pid, ready once it has armed its
# first watch. Unlocked, its pages can be reclaimed like anyone's (see lockMemory in docs/memory.md).
start_daemon() {
  $B --root "$1" daemon --config "/run/bench/${2:-locked}.json" > "$1.events" 2> "$1.err" &
  D=$!
  i=0
  while [ $i -lt 600 ] && ! grep -q '"action":"watch' "$1.events" 2> /dev/null; do sleep 0.1; i=$((i + 1)); done
}

stop_all() {
  [ -n "$D" ] && kill "$D" 2> /dev/null && wait "$D" 2> /dev/null
  for c in $(ls "$1" 2> /dev/null); do $B --root "$1" delete --force "$c" > /dev/null 2>&1; done
  D=""
}

# The hog scenario: a critical container with a small working set, a normal one, a background hog that grows until
# stopped; with the kernel alone, with earlyoom, or with bunker's daemon.
# settle: let the previous run's pressure fade (PSI some avg10 under 1 %, at most a minute) so runs do not overlap.
settle() {
  i=0
  while [ $i -lt 60 ] && [ "$(head -n 1 /proc/pressure/memory | sed 's/.*avg10=\([0-9]*\).*/\1/')" -ge 1 ]; do sleep 1; i=$((i + 1)); done
}

hog_run() {
  mode=$1 run=$2 R=/run/bench/root-$1-$2 D=""
  settle
  mkdir -p "$R"
  k0=$(oom_kills)
  case $mode in
    bunker) start_daemon "$R" ;;
    bunker-unlocked) start_daemon "$R" unlocked ;;
    earlyoom) "$EARLYOOM" > "$R.earlyoom" 2>&1 & D=$! ;;
  esac
  for c in critical normal hog; do $B --root "$R" run --detach --bundle "/run/bench/$c" "$c" > /dev/null 2>&1 || echo "BENCH error mode=$mode run=$run start=$c"; done
  t0=$(cs)
  i=0
  while [ $i -lt 900 ] && alive hog; do sleep 0.1; i=$((i + 1)); done
  t1=$(cs)
  sleep 2
  k1=$(oom_kills)
  echo "BENCH hog mode=$mode run=$run kernel_oom_kills=$((k1 - k0)) critical=$(state critical) normal=$(state normal) hog=$(state hog) hog_seconds=$(((t1 - t0) / 100))"
  if [ -f "$R.events" ]; then
    grep -E '"action":"(throttle|freeze|kill|reclaim)"' "$R.events" | while read -r line; do echo "BENCH hog-event mode=$mode run=$run $line"; done
  fi
  if [ "$mode" = earlyoom ]; then grep -i 'sending\|killing' "$R.earlyoom" | head -n 5 | while read -r line; do echo "BENCH hog-earlyoom run=$run $line"; done; fi
  stop_all "$R"
}

# The reclaim scenario: a container touches 100 MiB (half random, half zeros, in its tmpfs) and idles; its
# memory.current is printed every 10 s for 3 minutes while the daemon reclaims.
reclaim_run() {
  R=/run/bench/root-reclaim D=""
  mkdir -p "$R"
  start_daemon "$R"
  $B --root "$R" run --detach --bundle /run/bench/reclaim reclaim > /dev/null 2>&1 || echo "BENCH error start=reclaim"
  i=0
  # Ready once it holds (nearly) all of its 100 MiB.
  while [ $i -lt 1200 ] && [ "$(cat $cg/reclaim/memory.current 2> /dev/null || echo 0)" -lt 99614720 ]; do sleep 0.1; i=$((i + 1)); done
  t=0
  while [ $t -le 180 ]; do
    echo "BENCH reclaim t=$t current=$(cat $cg/reclaim/memory.current) swap=$(cat $cg/reclaim/memory.swap.current) $(head -n 1 $cg/reclaim/memory.pressure | tr ' ' '\n' | grep avg10 | sed 's/^/some_/')"
    sleep 10
    t=$((t + 10))
  done
  grep -c '"action":"reclaim"' "$R.events" | sed 's/^/BENCH reclaim-steps count=/'
  stop_all "$R"
}

# Idle cost: the daemon supervising 10 idle containers; its RSS and its threads' context switches over 60 s.
# switches <pid>: "tid count" per live thread (voluntary + involuntary context switches: each is a wake-up or more).
switches() { for t in /proc/$1/task/*; do echo "${t##*/} $(grep ctxt_switches $t/status 2> /dev/null | awk '{ s += $2 } END { print s + 0 }')"; done; }
# rate <before> <after> <centiseconds>: switches per second of the threads alive at both ends, plus those born since.
rate() { awk -v cs="$3" 'NR == FNR { a[$1] = $2; next } { d += $2 - ($1 in a ? a[$1] : 0) } END { printf "%.2f", d * 100 / cs }' "$1" "$2"; }
# measure <who> <pid> <extra fields>: RSS and wake-ups per second of a settled process over 60 s.
measure() {
  switches "$2" > /tmp/s0
  t0=$(cs)
  sleep 60
  switches "$2" > /tmp/s1
  t1=$(cs)
  echo "BENCH idle who=$1 $3 rss_kb=$(grep VmRSS /proc/$2/status | awk '{print $2}') anon_kb=$(grep RssAnon /proc/$2/status | awk '{print $2}') threads=$(ls /proc/$2/task | wc -l) wakeups_per_s=$(rate /tmp/s0 /tmp/s1 $((t1 - t0)))"
}

idle_run() {
  R=/run/bench/root-idle D=""
  mkdir -p "$R"
  start_daemon "$R"
  n=0
  while [ $n -lt 10 ]; do $B --root "$R" run --detach --bundle /run/bench/idle "idle$n" > /dev/null 2>&1; n=$((n + 1)); done
  sleep 20
  measure bunker "$D" "containers=$(ls $R | wc -l)"
  stop_all "$R"
  "$EARLYOOM" > /dev/null 2>&1 &
  E=$!
  sleep 10
  measure earlyoom "$E" ""
  kill $E
}

# The limit scenario: a container writes 150 MB to the disk through its 16 MiB limit (reclaim at its own limit) beside an
# idle bystander, under the daemon with every container worth acting on (minVictimPercent 0). Does the system's PSI
# (which counts a task stalled at its own limit too) fire the system triggers, and does the daemon act on others?
full_us() { grep full /proc/pressure/memory | sed 's/.*total=//'; }
some_us() { grep some /proc/pressure/memory | sed 's/.*total=//'; }
limit_run() {
  R=/run/bench/root-limit D="" data=/var/lib/bunker-writer
  mkdir -p "$R" "$data"
  rm -f "$data"/*
  echo '{"ladder": {"minVictimPercent": 0}}' > /run/bench/limit.json
  start_daemon "$R" limit
  $B --root "$R" run --detach --bundle /run/bench/bystander bystander > /dev/null 2>&1 || echo "BENCH error start=bystander"
  f0=$(full_us) s0=$(some_us) t0=$(cs)
  $B --root "$R" run --detach --bundle /run/bench/writer writer > /dev/null 2>&1 || echo "BENCH error start=writer"
  i=0
  while [ $i -lt 3000 ] && [ ! -e "$data/done" ]; do sleep 0.1; i=$((i + 1)); done
  t1=$(cs) f1=$(full_us) s1=$(some_us)
  sleep 3
  echo "BENCH limit done=$([ -e "$data/done" ] && echo yes || echo no) seconds=$(((t1 - t0) / 100)) writer_max_events=$(grep '^max ' $cg/writer/memory.events | cut -d' ' -f2) system_some_stall_ms=$(((s1 - s0) / 1000)) system_full_stall_ms=$(((f1 - f0) / 1000)) system_signalled_actions=$(grep -c '"signal":"system' "$R.events") holds_on_others=$(grep -E '"action":"(throttle|freeze|kill)"' "$R.events" | grep -vc '"container":"writer"') holds_on_writer=$(grep -E '"action":"(throttle|freeze|kill)"' "$R.events" | grep -c '"container":"writer"')"
  grep -E '"action":"(throttle|freeze|kill|release)"' "$R.events" | while read -r line; do echo "BENCH limit-event $line"; done
  stop_all "$R"
  rm -rf "$data"
}

for s in $SCENARIOS; do
  case $s in
    idle) idle_run ;;
    limit) limit_run ;;
    reclaim) reclaim_run ;;
    hog)
      r=1
      while [ $r -le "$RUNS" ]; do
        for m in $MODES; do hog_run "$m" "$r"; done
        r=$((r + 1))
      done
      ;;
  esac
done
echo "BENCH done"
