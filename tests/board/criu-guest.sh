#!/bin/sh
# The board's side of the process-checkpoint scenarios (tests/board/criu.test.ts) and of `npm run bench:criu`: each
# phase drives bunker (its default root, so the journal is /var/lib/bunker/journal and survives a reboot) and prints
# `CRIU <what> <id> <values>` lines for the host to check. Counts are read through the init's root
# (/proc/PID/root/tmp/count), the init's PID asked once per start: every bunker command costs seconds when emulated.
# usage: sh criu-guest.sh <phase>
set -u
B=${BUNKER:-/opt/bunker/bin/bunker}
bundles=/opt/bunker/bundles
store=/var/lib/bunker/checkpoints
# Where board A writes the checkpoint it hands to board B, and where B finds it.
carry=/var/lib/bunker/carry

say() { echo "CRIU $*"; }
b() { timeout 900 "$B" "$@" < /dev/null; }
oneline() { tr '\n' ' '; }
pid_of() { b state "$1" 2> /dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p'; }
status_of() { b state "$1" 2> /dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }
# track ID: notes (and says) the PID of the container's init, for count_of.
track() {
  pid_of "$1" > "/tmp/criu-pid-$1"
  say pid "$1" "$(cat "/tmp/criu-pid-$1")"
}
count_of() {
  local p
  p=$(cat "/tmp/criu-pid-$1" 2> /dev/null)
  [ -n "$p" ] && [ "$p" != 0 ] && cat "/proc/$p/root/tmp/count" 2> /dev/null
}

# wait_count ID MIN: until the counter reaches MIN (at most two minutes), then says the count.
wait_count() {
  local i=0 c="" n
  while [ $i -lt 240 ]; do
    c=$(count_of "$1")
    n=${c##* }
    [ -n "$c" ] && [ "$n" -ge "$2" ] 2> /dev/null && break
    sleep 0.5
    i=$((i + 1))
  done
  say count "$1" "$c"
}

# goes_on ID: says the count now and once it has moved on by three.
goes_on() {
  local c
  c=$(count_of "$1")
  say count "$1" "$c"
  wait_count "$1" $((${c##* } + 3))
}

# wait_stopped ID: until `state` says stopped (at most a minute).
wait_stopped() {
  local i=0
  while [ "$(status_of "$1")" != stopped ] && [ $i -lt 120 ]; do
    sleep 0.5
    i=$((i + 1))
  done
}

run_counter() {
  b run -d --bundle "$bundles/$2" "$1" > /dev/null 2>&1
  say run "$1" $?
  track "$1"
}

# checkpoint KEY ID FLAGS...: a process checkpoint, its exit status and its JSON.
checkpoint() {
  local key=$1 id=$2 out rc
  shift 2
  out=$(b checkpoint --process --json "$@" "$id" 2>&1)
  rc=$?
  say "$key" "$id" $rc "$(echo "$out" | oneline)"
}

# restore ID FLAGS...: a restore, then the container's state on one line.
restore() {
  local id=$1 out rc
  shift
  out=$(b restore --json "$@" "$id" 2>&1)
  rc=$?
  say restore "$id" $rc "$(echo "$out" | oneline)"
  say state "$id" "$(b state "$id" 2>&1 | oneline)"
  track "$id"
}

# Board A, first boot: c1 is checkpointed and stops (to restore after the reboot, and to carry to board B); c3 is
# checkpointed and left running, so its policy (processes back at boot) brings it back after the reboot.
phase_a1() {
  rm -rf "$store" "$carry" /var/lib/bunker/journal
  mkdir -p "$carry"
  run_counter c1 counter
  run_counter c3 counter2
  wait_count c1 5
  checkpoint checkpoint c1 --standalone --file "$carry/c1.bnkc"
  say status c1 "$(status_of c1)"
  wait_count c3 5
  checkpoint checkpoint c3 --leave-running
  say status c3 "$(status_of c3)"
  goes_on c3
}

# Board A, after the reboot: `resume` brings c3 back; a damaged checkpoint fails to restore and leaves no container,
# cgroup, mount or scratch behind; c1 is restored by hand; both count on.
phase_a2() {
  say resume - "$(b resume --json 2>&1 | oneline)"
  say status c3 "$(status_of c3)"
  track c3
  goes_on c3
  out=$(b restore --file "$carry/broken.bnkc" --bundle /var/lib/bunker/broken broken 2>&1)
  say restore broken $? "$(echo "$out" | oneline)"
  left=""
  [ -e /run/bunker/broken ] && left="$left state"
  [ -e /sys/fs/cgroup/bunker-board/counter ] && left="$left cgroup"
  grep -q criu-root /proc/self/mountinfo && left="$left mount"
  ls -d "$carry"/*.criu > /dev/null 2>&1 && left="$left scratch"
  b checkpoint inspect /var/lib/bunker/journal/journal 2> /dev/null | grep -q '"id":"broken"' && left="$left journal"
  say left broken "${left:-nothing}"
  restore c1 --file "$carry/c1.bnkc"
  goes_on c1
  say exec c1 "$(b exec c1 /bin/cat /tmp/count 2>&1 | oneline)"
  b kill c1 KILL > /dev/null 2>&1
  say kill c1 $?
  wait_stopped c1
  say status c1 "$(status_of c1)"
  b delete c1 > /dev/null 2>&1
  say delete c1 $?
  say journal c1 "$(b checkpoint inspect /var/lib/bunker/journal/journal 2>&1 | grep '"id":"c1"' | tail -4 | oneline)"
  b delete -f c3 > /dev/null 2>&1
  joined_netns
}

# A counter in a network namespace made outside it, as CNI makes them: CRIU leaves the namespace out of the images,
# and the restore puts the tree back into it.
joined_netns() {
  local pid
  /sbin/ip netns add bunker-criu
  say netns-made c4 $?
  run_counter c4 counternet
  wait_count c4 5
  checkpoint checkpoint c4 --file "$carry/c4.bnkc"
  say status c4 "$(status_of c4)"
  restore c4 --file "$carry/c4.bnkc"
  goes_on c4
  pid=$(cat /tmp/criu-pid-c4)
  say netns c4 "$(readlink "/proc/$pid/ns/net") net:[$(stat -L -c %i /run/netns/bunker-criu)]"
  b delete -f c4 > /dev/null 2>&1
  /sbin/ip netns delete bunker-criu
}

# cut_checkpoints ID: a process checkpoint of the container, then a second one, which the host's power cut stops.
cut_checkpoints() {
  local i=0 f
  checkpoint checkpoint1 "$1" --leave-running
  goes_on "$1"
  (
    checkpoint checkpoint2 "$1" --leave-running
  ) &
  # The host cuts the power a moment after this line: while CRIU dumps, bunker packs, or (rarely) after the write.
  while [ $i -lt 1200 ]; do
    for f in "$store"/*.criu "$store"/*.tmp; do
      if [ -e "$f" ]; then
        say cut-point "$1" "$f"
        wait
        return
      fi
    done
    sleep 0.05
    i=$((i + 1))
  done
  say no-cut-point "$1"
  wait
}

# Board B, first boot: c1 arrives from board A; then a checkpoint of it, and a second one that the power cut stops.
phase_b1() {
  rm -rf "$store" /var/lib/bunker/journal /var/lib/bunker/migrated
  restore c1 --file "$carry/c1.bnkc" --bundle /var/lib/bunker/migrated/counter
  goes_on c1
  cut_checkpoints c1
}

# Repeated cuts (criu-cuts.ts): the first boot starts the counter, each later one resumes it after the last cut; each
# then cuts another checkpoint short.
phase_cycle() {
  if [ "${1:-}" = first ]; then
    rm -rf "$store" /var/lib/bunker/journal
    run_counter c1 counter
    wait_count c1 5
  else
    phase_resumed
  fi
  cut_checkpoints c1
}

# After a cut: `resume` brings c1 back from the newest intact process checkpoint and clears the leftovers.
phase_resumed() {
  say files - "$(ls "$store" | oneline)"
  say resume - "$(b resume --json 2>&1 | oneline)"
  say status c1 "$(status_of c1)"
  track c1
  goes_on c1
  say exec c1 "$(b exec c1 /bin/cat /tmp/count 2>&1 | oneline)"
}

# Board B, after the cut.
phase_b2() {
  phase_resumed
  b delete -f c1 > /dev/null 2>&1
}

# Figures for `npm run bench:criu`: RUNS standalone process checkpoints and restores of the counter and of the process
# holding 32 MiB, each timed on the board (uptime, 10 ms steps) with bunker's --debug phase lines beside.
phase_bench() {
  local runs=$1 w i j file step t0 t1 out rc
  rm -rf /var/lib/bunker/bench
  mkdir -p /var/lib/bunker/bench
  for w in counter hog; do
    i=1
    while [ "$i" -le "$runs" ]; do
      run_counter "$w" "$w"
      if [ "$w" = counter ]; then
        wait_count counter 5
      else
        j=0
        while [ ! -e "/proc/$(cat /tmp/criu-pid-hog)/root/tmp/filled" ] && [ $j -lt 600 ]; do sleep 0.5; j=$((j + 1)); done
        say anon hog "$(grep '^anon ' /sys/fs/cgroup/bunker-board/hog/memory.stat)"
      fi
      file=/var/lib/bunker/bench/$w-$i.bnkc
      for step in dump restore; do
        t0=$(awk '{ printf "%d", $1 * 1000 }' /proc/uptime)
        if [ $step = dump ]; then
          out=$(b --debug checkpoint --process --standalone --json --file "$file" "$w" 2> /tmp/criu-debug)
        else
          out=$(b --debug restore --json --file "$file" "$w" 2> /tmp/criu-debug)
        fi
        rc=$?
        t1=$(awk '{ printf "%d", $1 * 1000 }' /proc/uptime)
        say "bench-$step" "$w" "$i $rc $((t1 - t0)) $(echo "$out" | oneline)"
        say "bench-$step-phases" "$w" "$i $(grep -E '(checkpoint|restore): ' /tmp/criu-debug | sed 's/^bunker\[[0-9]*\] //' | oneline)"
      done
      [ "$w" = hog ] && say anon hog "$(grep '^anon ' /sys/fs/cgroup/bunker-board/hog/memory.stat)"
      b delete -f "$w" > /dev/null 2>&1
      i=$((i + 1))
    done
  done
}

phase=$1
shift
"phase_$phase" "$@"
echo "CRIU done $phase"
