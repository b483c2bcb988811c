#!/usr/bin/env bash
# The upgrade procedure of the README, checked on a real standalone Flink session cluster
# (deploy/local-cluster.sh): state carries over a stop-with-savepoint and a resubmission with -s.
#   1. the first multilog file of samples/fleet is in the input directory; the job is submitted
#      detached with --watch (it keeps running and picks up new files)
#   2. once it has written some life cycles, it is stopped with a savepoint (flink stop --savepointPath)
#   3. the capture's other files are added (multilog rotated meanwhile; `current` with one more
#      line 10 s later, so the last lines leave the reorder buffer) and the job is resubmitted from
#      the savepoint (flink run -s), writing to a second output folder
#   4. both runs together wrote the capture's 539 life cycles, each exactly once and complete, and
#      the second run completed messages whose `new msg` was read before the upgrade: their open
#      state crossed the savepoint.
# Uses its own ports (FLINK_REST_PORT [18101], FLINK_RPC_PORT [16143]) and work dir; builds the
# jars only if the job jar is missing; exits non-zero on any mismatch (then keeps the work dir).
set -euo pipefail
# shellcheck source=deploy/e2e-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/e2e-common.sh"
e2e_init upgrade 18101 16143 19269-19279
SAMPLE="$ROOT/samples/fleet/mail/send"

# committed life cycles of an output folder, one "run/msg_id/new status" line each
lifecycles() {
  [[ -d "$1/lifecycles" ]] || return 0
  find "$1/lifecycles" -type f -name 'part-*' ! -name '.*' -exec cat {} + 2>/dev/null \
    | sed -n 's/.*"msg_id":\([0-9]*\),"run":\([0-9]*\),"status":"\([a-z]*\)".*"new":"\([^"]*\)".*/\2\/\1\/\4 \3/p'
}
count() { lifecycles "$1" | wc -l | tr -d ' '; }

job_jar

URL="$("$CLUSTER" start)"
IN="$WORK/in/mail"
mkdir -p "$IN"
FILES=("$SAMPLE"/@*.s "$SAMPLE/current")
cp "${FILES[0]}" "$IN/"
ARGS=(--input "$WORK/in" --watch 1s --checkpoint-interval 2s --events false)

echo "== run 1: ${FILES[0]##*/} only, detached, --watch 1s"
FLINK_RUN_OPTS="-d" "$CLUSTER" submit "${ARGS[@]}" --output "$WORK/out1" > "$WORK/run1.txt" 2>&1 \
  || { cat "$WORK/run1.txt" >&2; fail "run 1: submit failed"; exit 1; }
JOB1="$(job_id "$WORK/run1.txt")"
[[ -n "$JOB1" ]] || { cat "$WORK/run1.txt" >&2; fail "run 1: no job id"; exit 1; }
for _ in $(seq 1 1200); do [[ "$(count "$WORK/out1")" -ge 30 ]] && break; sleep 0.5; done
[[ "$(count "$WORK/out1")" -ge 30 ]] || { fail "run 1 wrote $(count "$WORK/out1") life cycles, state $(job_state "$JOB1")"; exit 1; }

echo "== stop with a savepoint"
"$CLUSTER" cli stop --savepointPath "file://$WORK/savepoints" "$JOB1" > "$WORK/stop.txt" 2>&1 \
  || { cat "$WORK/stop.txt" >&2; fail "flink stop failed"; exit 1; }
SP="$(sed -n 's/^Savepoint completed\. Path: \(.*\)$/\1/p' "$WORK/stop.txt")"
[[ -n "$SP" ]] || { cat "$WORK/stop.txt" >&2; fail "no savepoint path"; exit 1; }
echo "  savepoint $SP; job state $(job_state "$JOB1"); run 1 wrote $(count "$WORK/out1") life cycles"

echo "== run 2: the other files added, resubmitted with -s"
for f in "${FILES[@]:1}"; do cp "$f" "$IN/"; done
# the host logs on: the capture ends with `status: exiting`; qmail-send starts again 10 s later, so
# the last lines leave the reorder buffer (a live job holds a host's newest --max-out-of-order of lines)
LAST="$(tail -n 1 "$IN/current" | cut -c2-17)"
printf '@%016x%08x status: local 0/10 remote 0/20\n' $((0x$LAST + 10)) 0 >> "$IN/current"
FLINK_RUN_OPTS="-d -s $SP" "$CLUSTER" submit "${ARGS[@]}" --output "$WORK/out2" > "$WORK/run2.txt" 2>&1 \
  || { cat "$WORK/run2.txt" >&2; fail "run 2: submit failed"; exit 1; }
JOB2="$(job_id "$WORK/run2.txt")"
[[ -n "$JOB2" ]] || { cat "$WORK/run2.txt" >&2; fail "run 2: no job id"; exit 1; }
total() { echo $(( $(count "$WORK/out1") + $(count "$WORK/out2") )); }
for _ in $(seq 1 1200); do [[ "$(total)" -ge 539 ]] && break; sleep 0.5; done
sleep 3  # one more checkpoint: anything beyond 539 would show now
"$CLUSTER" cli cancel "$JOB2" > /dev/null 2>&1 || true

# the checks
N1="$(count "$WORK/out1")"; N2="$(count "$WORK/out2")"
echo "  run 1: $N1 life cycles, run 2: $N2"
[[ $((N1 + N2)) == 539 ]] && echo "  ok   539 life cycles in all" || fail "$((N1 + N2)) life cycles in all, expected 539"
DUPS="$( { lifecycles "$WORK/out1"; lifecycles "$WORK/out2"; } | cut -d' ' -f1 | sort | uniq -d | wc -l | tr -d ' ')"
[[ "$DUPS" == 0 ]] && echo "  ok   none written twice" || fail "$DUPS life cycles written twice"
NOTCOMPLETE="$( { lifecycles "$WORK/out1"; lifecycles "$WORK/out2"; } | grep -vc ' complete$' || true)"
[[ "$NOTCOMPLETE" == 0 ]] && echo "  ok   all complete" || fail "$NOTCOMPLETE not complete"
# every message still open at the end of the first file (its `new msg` read before the upgrade,
# its `end msg` in a file added after it) was completed by run 2
OPEN="$(awk '/ new msg /{open[$NF]=1} / end msg /{delete open[$NF]} END{for (k in open) print k}' "${FILES[0]}" | sort -u)"
DONE2="$(lifecycles "$WORK/out2" | cut -d/ -f2 | sort -u)"
NOPEN="$(echo "$OPEN" | grep -c . || true)"
MISSING="$(comm -23 <(echo "$OPEN") <(echo "$DONE2") | grep -c . || true)"
[[ "$NOPEN" -gt 0 && "$MISSING" == 0 ]] && echo "  ok   all $NOPEN messages open at the upgrade were completed after it" \
  || fail "$MISSING of $NOPEN messages open at the upgrade were not completed after it"

e2e_finish
