#!/usr/bin/env bash
# Installs what is missing, builds the three executables, and runs every test suite: unit, integration (as root,
# against the compiled executable), engines (containerd, Docker and podman driving the compiled executable) and the
# emulated ARM board lane. Ends with one "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
bash tests/setup/install.sh || exit 1
node_modules/.bin/bun build.ts || exit 1

passed=0; failed=0; status=0
# Every failing test's line, repeated at the end (once: bun lists failures again after its run): a CI log is often
# read from its tail only.
failures=()

# Tests leave /tmp as they found it. Their temporary directories go into a private TMPDIR, which must be empty at the
# end; /tmp itself is listed before and after, for anything made there directly. Either failure names what was left.
# (On a machine where other jobs use /tmp meanwhile, their entries show too; CI runs alone.)
tmp_before=$(ls -A /tmp)
# Short: podman refuses a runroot (here TMPDIR/bunker-podman-XXXXXX/podman/run) longer than 50 characters.
TMPDIR=$(mktemp -d /tmp/bt.XXXXXX)
# As open as /tmp: a container's mapped root must reach the bundles made below it.
chmod 1777 "$TMPDIR"
export TMPDIR
tmp_check() {
  local own left
  own=$(ls -A "$TMPDIR")
  left=$(comm -13 <(sort <<<"$tmp_before") <(ls -A /tmp | grep -vxF "$(basename "$TMPDIR")" | sort))
  if [[ -n $own || -n $left ]]; then
    status=1; failed=$((failed + 1)); failures+=("/tmp check: entries left")
    echo "=== /tmp check failed: the tests left"
    [[ -n $own ]] && sed "s|^|  $TMPDIR/|" <<<"$own"
    [[ -n $left ]] && sed 's|^|  /tmp/|' <<<"$left"
  else
    echo "=== /tmp check: nothing left"
  fi
  rm -rf "$TMPDIR"
}
suite() {
  local name=$1; shift
  local log; log=$(mktemp)
  echo "=== $name: $*"
  "$@" < /dev/null 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -Eo '^ *[0-9]+ pass$' "$log" | tail -1 | tr -dc 0-9); f=$(grep -Eo '^ *[0-9]+ fail$' "$log" | tail -1 | tr -dc 0-9)
  if [[ -z $p && -z $f ]]; then
    p=$(grep -Eo '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 | cut -d' ' -f1); f=$(grep -Eo '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 | cut -d' ' -f3)
  fi
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  # The board suite reports per flavour ("glibc: 12 passed, 0 failed, 0 pending").
  while read -r fp ff; do passed=$((passed + fp)); failed=$((failed + ff)); done < <(grep -Eo '(glibc|musl): [0-9]+ passed, [0-9]+ failed' "$log" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1 \2/')
  while IFS= read -r line; do failures+=("$name: $line"); done < <(grep -E '^\(fail\)|^ *(FAIL|not ok)\b|: (failed|FAILED)\b' "$log" | cut -c1-300 | awk '!seen[$0]++')
  if ((rc != 0)); then status=1; failures+=("$name: exit $rc"); echo "=== $name failed (exit $rc)"; fi
  rm -f "$log"
}

suite unit node_modules/.bin/bun test tests/unit
# The cgroup v2 tests of the integration suite boot the emulated board: they run wherever the board lane runs.
[[ ${BUNKER_SKIP_BOARD:-} == 1 ]] || export BUNKER_BOARD_TESTS=1
suite integration node_modules/.bin/bun test --timeout 60000 tests/integration
# containerd, Docker and podman started by the suite itself, each driven through bunker and through runc.
bash tests/engines/install.sh || exit 1
suite engines node_modules/.bin/bun test --timeout 90000 tests/engines
# A small fuzz run with a fresh seed (printed, so a failure can be rerun); `npm run fuzz` is the full one.
fuzz_seed=${BUNKER_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "fuzz seed: ${fuzz_seed}"
suite fuzz node_modules/.bin/bun tests/fuzz/fuzz.ts --cases 300 --max-exec 30 --seed "$fuzz_seed"
if [[ -f board/lane.ts && ${BUNKER_SKIP_BOARD:-} != 1 ]]; then
  # The lane ends with the host-side board tests, among them the process-checkpoint scenarios (tests/board/criu.test.ts:
  # four boots of two boards, one power cut in mid-checkpoint at a moment drawn from a fresh seed, printed). The full
  # count of such cuts: npm run test:board:criu-cuts -- --cuts N.
  CRIU_SEED=$((RANDOM * 32768 + RANDOM)) suite board node_modules/.bin/bun board/lane.ts
  # Real power cuts on the board, a few with a fresh seed each run (printed); `npm run test:power-cuts` does 20 + 10.
  suite "board power cuts" node_modules/.bin/bun tests/board/checkpoint-cuts.ts --journal-cuts 3 --ckpt-cuts 2 --seed $((RANDOM * 32768 + RANDOM))
  # The service manager on the board: one power cut during an apply and one during a change (a fresh seed each run,
  # printed), the watchdog and busybox init. The full count: npm run test:board:services.
  suite board-services node_modules/.bin/bun board/services.ts --sample --no-build
  # Power cuts during a pull from a registry on the host: two, at moments from a fresh seed (printed). The full
  # count (12): npm run test:board:image-cuts.
  suite "board image pull cuts" node_modules/.bin/bun tests/board/image-pull-cuts.ts --cuts 2 --no-build --seed $((RANDOM * 32768 + RANDOM))
else
  echo "=== board: skipped (BUNKER_SKIP_BOARD=1 or no board/lane.ts)"
fi
tmp_check
if ((${#failures[@]})); then
  echo "=== what failed"
  printf '  %s\n' "${failures[@]}"
fi
echo "${passed} passed, ${failed} failed"
exit $status
