#!/bin/sh
# The board suite: runs inside the emulated board (busybox sh) against one bunker executable, with runc's command line.
# Prints `ok N <label>: <name>`, `not ok N <label>: <name> # <why>`, figures as `BOARD-FIGURE <label> key=value`, and
# last `<label>: N passed, N failed, N pending`. A test whose bunker command has not landed yet is reported as
# `not ok ... # TODO` and counted as pending, not hidden and not failed; a command whose --help fails otherwise fails.
# usage: suite.sh <label> <bunker-executable> <bundles-dir>
set -u
. "$(dirname "$0")/measure.sh"
label=$1
bunker=$2
bundles=$3
root=/run/bunker-suite-$label
cgroot=/sys/fs/cgroup/bunker-board
tmp=/tmp/suite-$label
mkdir -p "$tmp"
n=0 passed=0 failed=0 pending=0

pass() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n $label: $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $label: $1 # $2"; }
pend() { n=$((n + 1)); pending=$((pending + 1)); echo "not ok $n $label: $1 # TODO $2"; }

# `bunker <cmd> --help`, its output kept in $tmp/help. A command that says "Unknown command" has not landed yet
# (pending); any other failure of --help, a crash above all, fails the test that needs it.
help_of() { "$bunker" "$1" --help > "$tmp/help" 2>&1; }
b() { timeout 120 "$bunker" --root "$root" "$@"; }
oneline() { tr '\n' ' ' < "$1" | cut -c1-200; }

# check <name> "<commands it needs>" <function>: the function sets $why and returns non-zero when the test fails.
check() {
  name=$1 needs=$2 fn=$3
  for c in $needs; do
    if ! help_of "$c"; then
      if grep -q "Unknown command" "$tmp/help"; then pend "$name" "'bunker $c' has not landed"
      else fail "$name" "'bunker $c --help' failed: $(oneline "$tmp/help")"; fi
      return
    fi
  done
  why=""
  if $fn; then pass "$name"; else fail "$name" "${why:-failed}"; fi
}

status_of() { b state "$1" 2> /dev/null | grep -o '"status": *"[a-z]*"' | grep -o '[a-z]*"$' | tr -d '"'; }

# wait_empty <cgroup dir> <seconds>: until the cgroup has no process left.
wait_empty() {
  i=0
  while [ $i -lt $(($2 * 10)) ]; do
    grep -q '^populated 0' "$1/cgroup.events" 2> /dev/null && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

t_version() {
  "$bunker" --version > "$tmp/out" 2>&1 || { why="exit $?: $(oneline "$tmp/out")"; return 1; }
  grep -q '^bunker version ' "$tmp/out" || { why="no version line: $(oneline "$tmp/out")"; return 1; }
}

t_board_check() {
  "$bunker" board check --json > "$tmp/out" 2> "$tmp/err"
  rc=$?
  grep -q '"items"' "$tmp/out" || { why="no JSON report: $(oneline "$tmp/err")"; return 1; }
  [ $rc -eq 0 ] || { why="exit $rc, missing: $("$bunker" board check | grep MISSING | cut -c3-42 | tr -s ' ' | tr '\n' ';')"; return 1; }
}

# CRIU as the lane installs it (criu, GNU tar, ip, iptables; the diag, netfilter and tun modules; lo up) passes
# `criu check`, and the report says incremental dumps are missing on arm64 (no soft-dirty tracking).
t_criu_check() {
  "$bunker" board check --json > "$tmp/out" 2> "$tmp/err"
  item() { tr -d '\n' < "$tmp/out" | grep -o "\"id\": *\"$1\"[^}]*"; }
  item checkpoint.process | grep -q '"status": *"ok"' || { why="process checkpoint: $(item checkpoint.process | cut -c1-160)"; return 1; }
  item checkpoint.incremental | grep -q '"status": *"missing"' || { why="incremental dumps: $(item checkpoint.incremental | cut -c1-160)"; return 1; }
}

t_spec() {
  mkdir -p "$tmp/spec" && cd "$tmp/spec" && rm -f config.json
  "$bunker" spec > "$tmp/out" 2>&1 || { why="exit $?: $(oneline "$tmp/out")"; cd /; return 1; }
  cd /
  grep -q '"ociVersion"' "$tmp/spec/config.json" || { why="no config.json written"; return 1; }
}

# run_hello <bundle> <namespaces that must differ from the board's>
run_hello() {
  b run --bundle "$bundles/$1" "$label-$1" > "$tmp/out" 2>&1 || { why="exit $?: $(oneline "$tmp/out")"; return 1; }
  grep -q '^BOARD-MARK container-running' "$tmp/out" || { why="the container printed nothing: $(oneline "$tmp/out")"; return 1; }
  grep -q "^pid=1 host=board-$1\$" "$tmp/out" || { why="not PID 1 with its hostname: $(grep '^pid=' "$tmp/out")"; return 1; }
  for ns in $2; do
    inside=$(sed -n "s/^ns $ns //p" "$tmp/out")
    [ -n "$inside" ] && [ "$inside" != "$(readlink /proc/self/ns/$ns)" ] || { why="shares the $ns namespace ($inside)"; return 1; }
  done
}
t_run_default() { run_hello hello "pid net ipc uts mnt cgroup"; }
t_run_all() { run_hello allns "pid net ipc uts mnt cgroup user time"; }

# lifecycle <bundle>: run -d, state, exec (hostname and PID 1 as the container sees them), kill, state, delete.
lifecycle() {
  id=$label-$1
  b run -d --bundle "$bundles/$1" "$id" > "$tmp/out" 2>&1 || { why="run -d exit $?: $(oneline "$tmp/out")"; return 1; }
  st=$(status_of "$id")
  [ "$st" = running ] || { why="state after run -d: '$st'"; return 1; }
  b exec "$id" /bin/hostname > "$tmp/out" 2>&1 || { why="exec exit $?: $(oneline "$tmp/out")"; return 1; }
  [ "$(cat "$tmp/out")" = "board-$1" ] || { why="exec saw hostname '$(oneline "$tmp/out")'"; return 1; }
  b exec "$id" /bin/cat /proc/1/cmdline > "$tmp/out" 2>&1 || { why="exec exit $?"; return 1; }
  grep -q sleep "$tmp/out" || { why="PID 1 in the container is not sleep: $(oneline "$tmp/out")"; return 1; }
  b kill "$id" KILL > "$tmp/out" 2>&1 || { why="kill exit $?: $(oneline "$tmp/out")"; return 1; }
  wait_empty "$cgroot/$1" 20 || { why="still running 20 s after kill"; return 1; }
  st=$(status_of "$id")
  [ "$st" = stopped ] || { why="state after kill: '$st'"; return 1; }
  b delete "$id" > "$tmp/out" 2>&1 || { why="delete exit $?: $(oneline "$tmp/out")"; return 1; }
  b state "$id" > /dev/null 2>&1 && { why="state still answers after delete"; return 1; }
  [ ! -d "$cgroot/$1" ] || { why="cgroup left behind after delete"; return 1; }
}
# A failed lifecycle must not leave its container behind for the tests that reuse the bundle.
t_lifecycle() { lifecycle sleeper || { b delete -f "$label-sleeper" > /dev/null 2>&1; return 1; }; }
t_lifecycle_all() { lifecycle sleepall || { b delete -f "$label-sleepall" > /dev/null 2>&1; return 1; }; }

# expect <file> <value>
expect() {
  got=$(cat "$1" 2> /dev/null)
  [ "$got" = "$2" ] || { why="${why}$(basename "$1")='$got' (want '$2') "; return 1; }
}

t_resources() {
  id=$label-limits
  b run -d --bundle "$bundles/limits" "$id" > "$tmp/out" 2>&1 || { why="run -d exit $?: $(oneline "$tmp/out")"; return 1; }
  d=$cgroot/limits
  ok=0
  expect "$d/memory.max" 50331648 || ok=1
  expect "$d/memory.low" 16777216 || ok=1
  expect "$d/memory.swap.max" 16777216 || ok=1
  expect "$d/cpu.max" "50000 100000" || ok=1
  expect "$d/cpu.weight" 20 || ok=1
  expect "$d/pids.max" 32 || ok=1
  b delete -f "$id" > /dev/null 2>&1
  return $ok
}

t_oom() {
  id=$label-oom
  b run -d --bundle "$bundles/oom" "$id" > "$tmp/out" 2>&1 || { why="run -d exit $?: $(oneline "$tmp/out")"; return 1; }
  wait_empty "$cgroot/oom" 60 || { why="the allocation was not stopped in 60 s"; b delete -f "$id" > /dev/null 2>&1; return 1; }
  kills=$(sed -n 's/^oom_kill //p' "$cgroot/oom/memory.events")
  b delete -f "$id" > /dev/null 2>&1
  [ "${kills:-0}" -ge 1 ] || { why="memory.events oom_kill='$kills'"; return 1; }
}

t_seccomp() {
  b run --bundle "$bundles/seccomp" "$label-seccomp" > "$tmp/out" 2>&1 || { why="exit $?: $(oneline "$tmp/out")"; return 1; }
  grep -q '^Seccomp:.2$' "$tmp/out" || { why="no filter: $(oneline "$tmp/out")"; return 1; }
  grep -q "can't create directory '/tmp/x': No data available" "$tmp/out" || { why="mkdir: $(oneline "$tmp/out")"; return 1; }
  grep -q "Operation not permitted" "$tmp/out" || { why="kill or unshare allowed: $(oneline "$tmp/out")"; return 1; }
  grep -q '^done$' "$tmp/out" || { why="the shell did not finish: $(oneline "$tmp/out")"; return 1; }
}

t_oom_status() {
  b run --bundle "$bundles/oom" "$label-oom2" > "$tmp/out" 2>&1
  rc=$?
  [ $rc -eq 137 ] || { why="exit $rc (want 137, SIGKILL): $(oneline "$tmp/out")"; return 1; }
}

t_pause_resume() {
  id=$label-pause
  b run -d --bundle "$bundles/sleeper" "$id" > "$tmp/out" 2>&1 || { why="run -d exit $?: $(oneline "$tmp/out")"; return 1; }
  ok=0
  b pause "$id" > "$tmp/out" 2>&1 || { why="pause exit $?: $(oneline "$tmp/out")"; ok=1; }
  [ $ok -eq 0 ] && { grep -q '^frozen 1' "$cgroot/sleeper/cgroup.events" || { why="cgroup not frozen after pause"; ok=1; }; }
  [ $ok -eq 0 ] && { st=$(status_of "$id"); [ "$st" = paused ] || { why="state after pause: '$st'"; ok=1; }; }
  [ $ok -eq 0 ] && { b resume "$id" > "$tmp/out" 2>&1 || { why="resume exit $?: $(oneline "$tmp/out")"; ok=1; }; }
  [ $ok -eq 0 ] && { grep -q '^frozen 0' "$cgroot/sleeper/cgroup.events" || { why="cgroup still frozen after resume"; ok=1; }; }
  [ $ok -eq 0 ] && { st=$(status_of "$id"); [ "$st" = running ] || { why="state after resume: '$st'"; ok=1; }; }
  b delete -f "$id" > /dev/null 2>&1
  return $ok
}

# Samples the RSS of a foreground `bunker run` while its container sleeps (idle) and its high-water mark (peak).
t_rss() {
  # Started directly (not through b) so that $! is bunker itself.
  "$bunker" --root "$root" run --bundle "$bundles/rss" "$label-rss" > "$tmp/out" 2>&1 &
  pid=$!
  sleep 6
  rss=$(rss_of $pid)
  wait $pid
  rc=$?
  [ -n "$rss" ] || { why="bunker run had already exited ($rc): $(oneline "$tmp/out")"; return 1; }
  echo "BOARD-FIGURE $label $rss"
  [ $rc -eq 0 ] || { why="exit $rc: $(oneline "$tmp/out")"; return 1; }
}

# A container writing 150 MB through its own 16 MiB limit beside an idle bystander, under the daemon with every
# container worth acting on: the system's PSI counts the writer's stall too, and that must not make the daemon act
# (it throttled the bystander before the ladder discounted stall spent at a container's own limit).
t_own_limit() {
  r=$root-daemon data=/var/lib/bunker-writer ok=0
  mkdir -p "$r" "$data"
  rm -f "$data"/*
  echo '{"ladder": {"minVictimPercent": 0}}' > "$tmp/daemon.json"
  "$bunker" --root "$r" daemon --config "$tmp/daemon.json" > "$tmp/events" 2> "$tmp/daemon.err" &
  d=$!
  i=0
  while [ $i -lt 600 ] && ! grep -q '"action":"watch' "$tmp/events" 2> /dev/null; do sleep 0.1; i=$((i + 1)); done
  timeout 120 "$bunker" --root "$r" run -d --bundle "$bundles/sleeper" "$label-bystander" > "$tmp/out" 2>&1 || { why="run -d bystander exit $?: $(oneline "$tmp/out")"; ok=1; }
  [ $ok -eq 0 ] && { timeout 120 "$bunker" --root "$r" run -d --bundle "$bundles/writer" "$label-writer" > "$tmp/out" 2>&1 || { why="run -d writer exit $?: $(oneline "$tmp/out")"; ok=1; }; }
  if [ $ok -eq 0 ]; then
    i=0
    while [ $i -lt 1200 ] && [ ! -e "$data/done" ]; do sleep 0.1; i=$((i + 1)); done
    [ -e "$data/done" ] || { why="the write did not end in 120 s"; ok=1; }
  fi
  # A pass planned on the system's signal comes within its freshness (1 s).
  sleep 2
  max=$(sed -n 's/^max //p' "$cgroot/writer/memory.events" 2> /dev/null)
  acted=$(grep -E '"action":"(throttle|freeze|kill)"' "$tmp/events" | head -n 2 | cut -c1-240 | tr '\n' ' ')
  kill "$d" 2> /dev/null
  wait "$d" 2> /dev/null
  for c in bystander writer; do timeout 60 "$bunker" --root "$r" delete -f "$label-$c" > /dev/null 2>&1; done
  rm -rf "$data" "$r"
  [ $ok -eq 0 ] || return 1
  [ "${max:-0}" -ge 1 ] || { why="the writer never reached its limit (memory.events max '$max')"; return 1; }
  [ -z "$acted" ] || { why="the daemon acted on a container's own-limit stall: $acted"; return 1; }
}

echo "# $label: $("$bunker" --version 2>&1 | head -1) ($bunker)"
check "bunker --version prints the version" "" t_version
check "bunker board check --json reports every required feature present" "board" t_board_check
check "bunker board check finds process checkpoints ok and incremental dumps missing (no soft-dirty)" "board" t_criu_check
check "bunker spec writes a default config.json" "spec" t_spec
check "run of a busybox container in runc's default namespaces" "run" t_run_default
check "run of a busybox container with every namespace, user and time included" "run" t_run_all
check "run -d, state, exec, kill and delete in runc's default namespaces" "run state exec kill delete" t_lifecycle
check "run -d, state, exec, kill and delete with every namespace" "run state exec kill delete" t_lifecycle_all
check "cgroup v2 resources are applied and read back" "run delete" t_resources
check "an allocation over memory.max is OOM-killed and counted in memory.events" "run delete" t_oom
check "a foreground run killed by the OOM killer exits 137" "run" t_oom_status
check "pause freezes the cgroup and resume thaws it" "run pause resume state delete" t_pause_resume
check "bunker run RSS while its container sleeps" "run" t_rss
check "a seccomp filter answers with its errnos on aarch64" "run" t_seccomp
check "a container reclaiming at its own limit makes the daemon act on no one" "run delete daemon" t_own_limit
if help_of delete; then for id in hello allns sleeper sleepall limits oom oom2 pause rss; do b delete -f "$label-$id" > /dev/null 2>&1; done; fi
echo "$label: $passed passed, $failed failed, $pending pending"
[ $failed -eq 0 ]
