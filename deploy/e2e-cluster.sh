#!/usr/bin/env bash
# End-to-end check of the cluster job jar on a real standalone Flink 2.2.1 session cluster
# (a JobManager JVM and a TaskManager JVM, see deploy/local-cluster.sh):
#   1. samples/fleet (multilog), hashmap state, --stuck-after 60s:
#      539 life cycles, 4547 events, 0 dead letters, some message alerts
#   2. samples/syslog/maillog with --state-backend rocksdb: 539 life cycles
#   3. samples/fleet submitted detached (flink run -d): the job finishes, 539 life cycles
#   4. kill -9 of the TaskManager: `local-cluster.sh start` replaces it and keeps its log;
#      `add-taskmanager` adds a second one
# Builds the jars only if the job jar is missing. Uses its own work dir and ports
# (FLINK_REST_PORT [18091], FLINK_RPC_PORT [16133]), so it does not disturb a cluster started with
# local-cluster.sh, and stops its cluster on any exit. Exits non-zero on any mismatch.
# Set KEEP=1 to keep the work dir (logs, outputs) after a successful run; it is kept after a failure.
set -euo pipefail
# shellcheck source=deploy/e2e-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/e2e-common.sh"
e2e_init cluster 18091 16133 19249-19259

# lines in the committed part files of one output folder; in-progress files are an error
count() {
  local dir="$1"
  [[ -d "$dir" ]] || { echo "missing"; return; }
  if [[ -n "$(find "$dir" -type f -name '.*' -print -quit)" ]]; then echo "in-progress files left"; return; fi
  find "$dir" -type f -name '*.jsonl' -exec cat {} + | wc -l | tr -d ' '
}

job_jar

echo "== starting the cluster (JobManager + TaskManager, REST port $FLINK_REST_PORT)"
t=$(now)
URL="$("$CLUSTER" start)"
lap "cluster start (JM + TM up, 2 slots)" "$t"

# 1: multilog sample, hashmap state
OUT1="$WORK/out-fleet"
echo "== run 1: samples/fleet, hashmap, --stuck-after 60s -> $OUT1"
t=$(now)
"$CLUSTER" submit --input "$ROOT/samples/fleet" --output "$OUT1" --stuck-after 60s > "$WORK/run1.txt" 2>&1 \
  || { cat "$WORK/run1.txt" >&2; fail "run 1: flink run failed"; exit 1; }
lap "run 1 (submit + run, attached)" "$t"
grep -E '^(lines read|  [a-z-]+ +[0-9]+ records|job time)' "$WORK/run1.txt" | sed 's/^/  | /'
expect "run 1 lifecycles lines" "$(count "$OUT1/lifecycles")" 539
expect "run 1 events lines" "$(count "$OUT1/events")" 4547
expect "run 1 dead-letters lines" "$(count "$OUT1/dead-letters")" 0
expect "run 1 host-events lines" "$(count "$OUT1/host-events")" 1430
ALERTS="$(count "$OUT1/message-alerts")"
if [[ "$ALERTS" =~ ^[0-9]+$ && "$ALERTS" -gt 0 ]]; then echo "  ok   run 1 message-alerts lines = $ALERTS (> 0)"; else fail "run 1 message-alerts lines = $ALERTS, expected > 0"; fi
grep -q '^lines read 4547 = parsed 4547 + dead-lettered 0$' "$WORK/run1.txt" \
  && echo "  ok   run 1 accumulators came back to the client: lines read 4547 = parsed 4547 + dead-lettered 0" \
  || fail "run 1: no 'lines read 4547 = parsed 4547 + dead-lettered 0' in the client output"
[[ -s "$OUT1/summary.json" ]] && echo "  ok   run 1 summary.json written" || fail "run 1: no summary.json"

# 2: the same log through syslog, RocksDB state
OUT2="$WORK/out-syslog-rocksdb"
echo "== run 2: samples/syslog/maillog, --state-backend rocksdb -> $OUT2"
t=$(now)
"$CLUSTER" submit --input "$ROOT/samples/syslog/maillog" --output "$OUT2" --state-backend rocksdb > "$WORK/run2.txt" 2>&1 \
  || { cat "$WORK/run2.txt" >&2; fail "run 2: flink run failed"; exit 1; }
lap "run 2 (submit + run, attached)" "$t"
grep -E '^(lines read|  [a-z-]+ +[0-9]+ records|job time)' "$WORK/run2.txt" | sed 's/^/  | /'
expect "run 2 lifecycles lines" "$(count "$OUT2/lifecycles")" 539
expect "run 2 dead-letters lines" "$(count "$OUT2/dead-letters")" 0
grep -q 'Successfully loaded RocksDB native library' "$FLINK_CLUSTER_WORK"/log/taskmanager-*.log \
  && echo "  ok   run 2 ran on RocksDB (native library loaded in the TaskManager)" \
  || fail "run 2: the TaskManager log shows no RocksDB native library load"

# 3: detached (`flink run -d`, as a live job is submitted): the client returns at once, the job finishes on its own
OUT3="$WORK/out-detached"
echo "== run 3: samples/fleet, detached (flink run -d), --events false -> $OUT3"
t=$(now)
FLINK_RUN_OPTS="-d" "$CLUSTER" submit --input "$ROOT/samples/fleet" --output "$OUT3" --events false > "$WORK/run3.txt" 2>&1 \
  || { cat "$WORK/run3.txt" >&2; fail "run 3: flink run -d failed"; exit 1; }
JOB3="$(job_id "$WORK/run3.txt")"
[[ -n "$JOB3" ]] || { cat "$WORK/run3.txt" >&2; fail "run 3: no job id in the client output"; exit 1; }
STATE=""
for _ in $(seq 1 300); do
  STATE="$(curl -sf --max-time 2 "$URL/jobs/$JOB3" | grep -o '"state":"[A-Z]*"' | head -1 || true)"
  [[ "$STATE" == '"state":"FINISHED"' || "$STATE" == '"state":"FAILED"' || "$STATE" == '"state":"CANCELED"' ]] && break
  sleep 0.2
done
lap "run 3 (submit detached + wait for FINISHED)" "$t"
expect "run 3 job $JOB3 state" "$STATE" '"state":"FINISHED"'
expect "run 3 lifecycles lines" "$(count "$OUT3/lifecycles")" 539
expect "run 3 events lines (--events false)" "$(count "$OUT3/events")" 0

# all jobs FINISHED, none failed, as the JobManager saw them
OVERVIEW="$(curl -sf --max-time 5 "$URL/overview" || true)"
[[ "$OVERVIEW" == *'"jobs-finished":3,'* && "$OVERVIEW" == *'"jobs-failed":0,'* ]] \
  && echo "  ok   JobManager: 3 jobs finished, 0 failed" || fail "JobManager overview: $OVERVIEW"

# 4: a TaskManager dies (kill -9): start replaces it and keeps its log; add-taskmanager adds slots
echo "== taskmanagers: kill -9 taskmanager-1, start replaces it, add-taskmanager"
t=$(now)
TM1="$(cat "$FLINK_CLUSTER_WORK/taskmanager-1.pid")"
kill -9 "$TM1"
for _ in $(seq 1 50); do kill -0 "$TM1" 2>/dev/null || break; sleep 0.1; done
"$CLUSTER" start > "$WORK/restart.txt" 2>&1 || { cat "$WORK/restart.txt" >&2; fail "start did not replace the dead TaskManager"; }
grep -q 'taskmanager-1 is not running: starting a new one in its place' "$WORK/restart.txt" \
  && echo "  ok   start replaced the dead taskmanager-1" || { cat "$WORK/restart.txt" >&2; fail "start: $(head -1 "$WORK/restart.txt")"; }
NEWTM1="$(cat "$FLINK_CLUSTER_WORK/taskmanager-1.pid")"
[[ "$NEWTM1" != "$TM1" ]] && kill -0 "$NEWTM1" && echo "  ok   new taskmanager-1 pid $NEWTM1" || fail "no new taskmanager-1"
ls "$FLINK_CLUSTER_WORK"/log/taskmanager-1.log.* >/dev/null 2>&1 \
  && echo "  ok   the dead TaskManager's log is kept" || fail "the dead TaskManager's log was not kept"
"$CLUSTER" add-taskmanager > "$WORK/add.txt" 2>&1 || { cat "$WORK/add.txt" >&2; fail "add-taskmanager failed"; }
STATUS="$("$CLUSTER" status 2>&1 || true)"
[[ "$STATUS" == *"taskmanager-2: running"* ]] && echo "  ok   taskmanager-2 added" || fail "status after add-taskmanager: $STATUS"
lap "TaskManager replaced and added" "$t"

t=$(now)
"$CLUSTER" stop 2>/dev/null
lap "cluster stop" "$t"

e2e_finish
