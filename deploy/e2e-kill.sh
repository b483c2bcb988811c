#!/usr/bin/env bash
# A TaskManager killed mid-stream (kill -9) under a live exactly-once Kafka job, on a real Kafka
# 4.2.0 broker JVM (deploy/local-broker.sh) and a real standalone Flink 2.2.1 session cluster
# (deploy/local-cluster.sh):
#   1. the topics are created by deploy/create-topics.sh (prefixes kill. and base.); the capture's
#      qmail-send lines (samples/fleet) are produced as three hosts mx1, mx2, mx3, keyed by host
#      (3 x 4526 lines, plus one line per host 10 s after the capture's end)
#   2. the live job (--exactly-once true, 2 s checkpoints) is submitted detached; the first half of
#      each host's lines is produced; once output is committed, the second half is produced in
#      chunks, and the TaskManager is killed with kill -9 while the chunks arrive
#   3. `local-cluster.sh replace-taskmanager` starts a new TaskManager; the job restores from its
#      last checkpoint and catches up; then it is stopped with a savepoint (flink stop)
#   4. the job's totals came through the restore: lines-read = lines produced = parsed +
#      dead-lettered (its accumulators, from the REST API)
#   5. a bounded run over the same topic (--bounded true, no failure) writes the baseline to the
#      base. topics; every output topic, as a read_committed consumer (kcat) sees it, holds the same
#      records (key and value) as the baseline's: none missing, none twice. Kafka record timestamps
#      are not compared (the job stamps records with the time it writes them); no JSON field is
#      left out.
# Uses its own ports (FLINK_REST_PORT [18111], FLINK_RPC_PORT [16153], KAFKA_PORT [19112]) and work
# dir; builds the jars only if the job jar is missing; exits non-zero on any mismatch (then keeps
# the work dir with the cluster's and the broker's logs). KEEP=1 keeps it after a success too.
# Needs kcat (apt-get install kcat) besides what local-cluster.sh and local-broker.sh need.
set -euo pipefail
# shellcheck source=deploy/e2e-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/e2e-common.sh"
e2e_init kill 18111 16153 19309-19319
e2e_broker 19112
command -v kcat >/dev/null || { echo "kcat not found (apt-get install kcat)" >&2; exit 1; }

HOSTS=(mx1 mx2 mx3)
OUTPUTS=(lifecycles message-alerts dead-letters events late host-events hops senders recipients domains hosts alerts)
SAMPLE="$ROOT/samples/fleet/mail/send"
INPUT=kill.lines
CHECKPOINT=2s

job_jar

echo "== broker (port $KAFKA_PORT) and cluster (REST port $FLINK_REST_PORT)"
t=$(now)
BOOTSTRAP="$("$BROKER" start)"
lap "broker start" "$t"
t=$(now)
# the topics of both prefixes are created while the cluster starts (each tool call is a JVM)
TOPIC_PREFIX=kill. "$BROKER" create-topics 2 > "$WORK/topics-kill.txt" 2>&1 & TOPICS1=$!
TOPIC_PREFIX=base. "$BROKER" create-topics 2 > "$WORK/topics-base.txt" 2>&1 & TOPICS2=$!
URL="$("$CLUSTER" start)"
wait "$TOPICS1" || { cat "$WORK/topics-kill.txt" >&2; fail "create-topics.sh (kill.) failed"; exit 1; }
wait "$TOPICS2" || { cat "$WORK/topics-base.txt" >&2; fail "create-topics.sh (base.) failed"; exit 1; }
lap "cluster start + create-topics.sh x2" "$t"

# the input: every host logs the capture (its multilog files in order); keyed "host<TAB>line"
LINES="$WORK/lines.tsv"
CAPTURE=("$SAMPLE"/@*.s "$SAMPLE/current")
LAST="$(tail -n 1 "$SAMPLE/current" | cut -c2-17)"
END_LINE="$(printf '@%016x%08x status: local 0/10 remote 0/20' $((0x$LAST + 10)) 0)"
PER_HOST="$(cat "${CAPTURE[@]}" | wc -l)"
HALF=$(( PER_HOST / 2 ))
: > "$WORK/first.tsv"; : > "$WORK/second.tsv"
for h in "${HOSTS[@]}"; do
  cat "${CAPTURE[@]}" | sed "s/^/$h\t/" > "$WORK/$h.tsv"
  echo -e "$h\t$END_LINE" >> "$WORK/$h.tsv"
  head -n "$HALF" "$WORK/$h.tsv" >> "$WORK/first.tsv"
  tail -n +"$((HALF + 1))" "$WORK/$h.tsv" >> "$WORK/second.tsv"
done
cat "$WORK/first.tsv" "$WORK/second.tsv" > "$LINES"
TOTAL="$(wc -l < "$LINES" | tr -d ' ')"
produce() { kcat -P -b "$BOOTSTRAP" -t "$INPUT" -K $'\t' -X linger.ms=5 -X enable.idempotence=true -l "$1"; }
# what a read_committed consumer sees in a topic now: "key<TAB>value" lines
committed() { kcat -C -b "$BOOTSTRAP" -t "$1" -o beginning -e -q -X isolation.level=read_committed -f '%k\t%s\n' 2>/dev/null; }
ncommitted() { committed "$1" | wc -l | tr -d ' '; }
await_committed() { # topic count seconds
  local deadline=$((SECONDS + $3)) n=0
  while (( SECONDS < deadline )); do
    n="$(ncommitted "$1")"; (( n >= $2 )) && return 0
    sleep 1
  done
  fail "$1: $n committed records after $3 s, expected $2"; return 1
}

LIVE_ARGS=(--kafka-bootstrap "$BOOTSTRAP" --input-topic "$INPUT" --starting-offsets earliest --sink kafka
  --exactly-once true --checkpoint-interval "$CHECKPOINT")

echo "== live job, detached: $TOTAL lines of ${#HOSTS[@]} hosts -> kill.*"
t=$(now)
FLINK_RUN_OPTS="-d" "$CLUSTER" submit "${LIVE_ARGS[@]}" --group-id kill-live --topic-prefix kill. \
  --transactional-id-prefix kill-live- > "$WORK/live.txt" 2>&1 || { cat "$WORK/live.txt" >&2; fail "live submit failed"; exit 1; }
JOB="$(job_id "$WORK/live.txt")"
[[ -n "$JOB" ]] || { cat "$WORK/live.txt" >&2; fail "no job id"; exit 1; }
produce "$WORK/first.tsv"
await_committed kill.events 1000 180 || exit 1
lap "live job: first half in, output committed" "$t"

echo "== second half in chunks; kill -9 of the TaskManager meanwhile"
t=$(now)
split -l 400 "$WORK/second.tsv" "$WORK/chunk."
( for c in "$WORK"/chunk.*; do produce "$c"; sleep 0.3; done ) & PRODUCER=$!
sleep 2
TM="$(cat "$FLINK_CLUSTER_WORK/taskmanager-1.pid")"
BEFORE="$(ncommitted kill.events)"
kill -9 "$TM"
echo "  killed taskmanager-1 (pid $TM) with $BEFORE events committed"
for _ in $(seq 1 50); do kill -0 "$TM" 2>/dev/null || break; sleep 0.1; done
"$CLUSTER" replace-taskmanager 1 > "$WORK/replace.txt" 2>&1 || { cat "$WORK/replace.txt" >&2; fail "replace-taskmanager failed"; exit 1; }
lap "TaskManager killed and replaced" "$t"
wait "$PRODUCER" || { fail "producing the second half failed"; exit 1; }
t=$(now)
await_committed kill.lifecycles $((539 * ${#HOSTS[@]})) 300 || exit 1
await_committed kill.events "$TOTAL" 300 || exit 1
lap "recovered and caught up" "$t"
RESTARTS="$(curl -sf --max-time 5 "$URL/jobs/$JOB/exceptions" | grep -o '"exceptionName":"[^"]*"' | sort | uniq -c | tr -s ' ' || true)"
[[ -n "$RESTARTS" ]] && echo "  ok   the job failed over: $RESTARTS" || fail "the job shows no failure: was the TaskManager it ran on killed?"

echo "== stop with a savepoint; the job's totals"
t=$(now)
sleep 3 # one more checkpoint: anything beyond the expected counts would show now
"$CLUSTER" cli stop --savepointPath "file://$WORK/savepoints" "$JOB" > "$WORK/stop.txt" 2>&1 \
  || { cat "$WORK/stop.txt" >&2; fail "flink stop failed"; exit 1; }
lap "stop with a savepoint" "$t"
ACC="$(curl -sf --max-time 5 "$URL/jobs/$JOB/accumulators")"
acc() { sed -n "s/.*\"name\":\"$1\",\"type\":\"[A-Za-z]*\",\"value\":\"\([0-9]*\)\".*/\1/p" <<<"$ACC"; }
READ="$(acc lines-read)"; PARSED="$(acc lines-parsed)"; DEAD="$(acc lines-dead-lettered)"
expect "lines-read over the job's life (kill -9 and restore included)" "$READ" "$TOTAL"
expect "lines-parsed + lines-dead-lettered" "$(( ${PARSED:-0} + ${DEAD:-0} ))" "$TOTAL"

echo "== baseline: bounded run over the same topic, no failure -> base.*"
t=$(now)
"$CLUSTER" submit "${LIVE_ARGS[@]}" --bounded true --group-id kill-base --topic-prefix base. \
  --transactional-id-prefix kill-base- > "$WORK/base.txt" 2>&1 || { cat "$WORK/base.txt" >&2; fail "baseline run failed"; exit 1; }
lap "baseline run (attached)" "$t"
grep -q "^lines read $TOTAL = parsed " "$WORK/base.txt" && echo "  ok   baseline: $(grep '^lines read' "$WORK/base.txt")" \
  || fail "baseline: $(grep '^lines read' "$WORK/base.txt" || echo 'no line count')"

echo "== every output topic: the live run after kill -9 vs the baseline (read_committed)"
t=$(now)
for o in "${OUTPUTS[@]}"; do
  committed "kill.$o" | sort > "$WORK/kill.$o.txt"
  committed "base.$o" | sort > "$WORK/base.$o.txt"
  n="$(wc -l < "$WORK/kill.$o.txt" | tr -d ' ')"
  dups="$(uniq -d "$WORK/kill.$o.txt" | wc -l | tr -d ' ')"
  if cmp -s "$WORK/kill.$o.txt" "$WORK/base.$o.txt"; then
    echo "  ok   $o: $n records, as the baseline ($dups repeated in both)"
  else
    fail "$o: $n records, baseline $(wc -l < "$WORK/base.$o.txt" | tr -d ' '); $(comm -23 "$WORK/kill.$o.txt" "$WORK/base.$o.txt" | wc -l | tr -d ' ') not in the baseline, $(comm -13 "$WORK/kill.$o.txt" "$WORK/base.$o.txt" | wc -l | tr -d ' ') missing (diff in $WORK)"
  fi
done
expect "life cycles" "$(wc -l < "$WORK/kill.lifecycles.txt" | tr -d ' ')" $((539 * ${#HOSTS[@]}))
lap "compare" "$t"

"$CLUSTER" stop 2>/dev/null
"$BROKER" stop 2>/dev/null
e2e_finish
