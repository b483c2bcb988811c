#!/usr/bin/env bash
# A TaskManager killed mid-stream (kill -9) under a live exactly-once Kafka job, on a real Kafka
# 4.2.0 broker JVM (deploy/local-broker.sh) and a real standalone Flink 2.2.1 session cluster
# (deploy/local-cluster.sh):
#   1. the topics are created by deploy/create-topics.sh (prefixes kill. and base., 3 partitions);
#      the capture's qmail-send lines (samples/fleet) are produced as three hosts mx01, mx02, mx03,
#      keyed by host (3 x 4526 lines, plus one line per host 10 s after the capture's end)
#   2. the live job (--exactly-once true, 2 s checkpoints) is submitted detached; the first half of
#      each host's lines is produced; once output is committed, the second half is produced in
#      chunks, and the TaskManager is killed with kill -9 while the chunks arrive
#   3. `local-cluster.sh replace-taskmanager` starts a new TaskManager; the job restores from its
#      last checkpoint and catches up; once its output is complete and settled it is stopped with a
#      savepoint (flink stop)
#   4. the job's totals came through the restore: lines-read = lines produced = parsed +
#      dead-lettered (its accumulators, from the REST API)
#   5. the same job without a failure over the same topic writes the baseline to the base. topics
#      and is stopped the same way; every output topic, as a read_committed consumer (kcat) sees it,
#      holds the same records (key and value) as the baseline's: none missing, none twice.
#      Not compared: Kafka record timestamps (the job stamps records with the time it writes them);
#      in the aggregates (senders, recipients, domains, hosts; a later revision of a [key, window]
#      replaces the earlier ones) only each [key, window]'s last revision is compared, without the
#      reason lists' `example` and the `*_quantiles` (KLL sketch estimates): which host's part makes
#      revision 1, 2, ..., the example kept and the sketch's estimate depend on the order in which
#      parallel subtasks' records arrive, which differs between any two runs (no revision may
#      appear twice, though).
# Both runs use --live-clock-cap 0 (no wall-clock advance of quiet hosts) and --idle-timeout 3s:
# the input comes in halves with a pause between them while its log time does not move, as a
# shipper that holds lines back; with the wall clock on, what is late or released before the stop
# would depend on how long that pause and the recovery took (the live clock has its own tests).
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

HOSTS=(mx01 mx02 mx03) # one per partition with the Java client's partitioner
OUTPUTS=(lifecycles message-alerts dead-letters events late host-events hops senders recipients domains hosts alerts)
SAMPLE="$ROOT/samples/fleet/mail/send"
INPUT=kill.lines
PARTITIONS=3

job_jar

echo "== broker (port $KAFKA_PORT) and cluster (REST port $FLINK_REST_PORT)"
t=$(now)
BOOTSTRAP="$("$BROKER" start)"
lap "broker start" "$t"
t=$(now)
# the topics are created while the cluster starts (each kafka-topics.sh / kafka-configs.sh call is a JVM)
TOPIC_PREFIX=kill. "$BROKER" create-topics "$PARTITIONS" > "$WORK/topics-kill.txt" 2>&1 & TOPICS=$!
URL="$("$CLUSTER" start)"
wait "$TOPICS" || { cat "$WORK/topics-kill.txt" >&2; fail "create-topics.sh (kill.) failed"; exit 1; }
lap "cluster start + create-topics.sh" "$t"
# the baseline's topics meanwhile, while the first run goes on
TOPIC_PREFIX=base. "$BROKER" create-topics "$PARTITIONS" > "$WORK/topics-base.txt" 2>&1 & TOPICS=$!

# the input: every host logs the capture (its multilog files in order); "host<TAB>line"
CAPTURE=("$SAMPLE"/@*.s "$SAMPLE/current")
LAST="$(tail -n 1 "$SAMPLE/current" | cut -c2-17)"
END_LINE="$(printf '@%016x%08x status: local 0/10 remote 0/20' $((0x$LAST + 10)) 0)"
PER_HOST=$(( $(cat "${CAPTURE[@]}" | wc -l) + 1 ))
HALF=$(( PER_HOST / 2 ))
: > "$WORK/first.tsv"; : > "$WORK/second.tsv"
for h in "${HOSTS[@]}"; do
  { cat "${CAPTURE[@]}"; echo "$END_LINE"; } | sed "s/^/$h\t/" > "$WORK/$h.tsv"
  head -n "$HALF" "$WORK/$h.tsv" >> "$WORK/first.tsv"
  tail -n +"$((HALF + 1))" "$WORK/$h.tsv" >> "$WORK/second.tsv"
done
TOTAL=$(( PER_HOST * ${#HOSTS[@]} ))
# keyed by host with the Java client's partitioner (murmur2), as a shipper's lines are
produce() { kcat -P -b "$BOOTSTRAP" -t "$INPUT" -K $'\t' -X partitioner=murmur2_random -X linger.ms=5 \
  -X enable.idempotence=true -X log_level=3 -l "$1"; }
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
# waits until the job's whole output is complete (life cycles, events) and has stopped changing
# over two readings 4 s apart (two checkpoints; the idle timeout has passed), then stops the job
# with a savepoint
settle_and_stop() { # prefix job
  local o before after=""
  await_committed "$1lifecycles" $((539 * ${#HOSTS[@]})) 300 || exit 1
  await_committed "$1events" "$TOTAL" 300 || exit 1
  for _ in $(seq 1 30); do
    before="$after"; after=""
    for o in "${OUTPUTS[@]}"; do after+="$(ncommitted "$1$o") "; done
    [[ "$after" == "$before" ]] && break
    sleep 4
  done
  [[ "$after" == "$before" ]] || { fail "$1*: the output still changes: $after"; exit 1; }
  "$CLUSTER" cli stop --savepointPath "file://$WORK/savepoints" "$2" > "$WORK/stop-$2.txt" 2>&1 \
    || { cat "$WORK/stop-$2.txt" >&2; fail "flink stop $2 failed"; exit 1; }
}
# one line per record; of the aggregates (a later revision of a [key, window] replaces the earlier
# ones) the last revision of each, without the fields that depend on the facts' arrival order
normalized() { # topic output
  case "$2" in
    senders|recipients|domains|hosts)
      committed "$1" | sed -e 's/"example":"\([^"\\]\|\\.\)*"/"example":"-"/g' \
        -e 's/"\([a-z_]*_quantiles\)":{[^}]*}/"\1":"-"/g' \
        | awk -F'\t' '{ r = $2; sub(/.*"revision":/, "", r); sub(/[^0-9].*/, "", r)
                        if (!($1 in rev) || r + 0 > rev[$1]) { rev[$1] = r + 0; last[$1] = $0 } }
                      END { for (k in last) print last[k] }' ;;
    *) committed "$1" ;;
  esac
}
# records written twice: the same line (events, life cycles, ...) or the same [key, window] revision
twice() { # topic output
  case "$2" in
    senders|recipients|domains|hosts) committed "$1" | sed 's/\t.*"revision":\([0-9]*\).*/\t\1/' | sort | uniq -d | wc -l | tr -d ' ' ;;
    *) committed "$1" | sort | uniq -d | wc -l | tr -d ' ' ;;
  esac
}

JOB_ARGS=(--kafka-bootstrap "$BOOTSTRAP" --input-topic "$INPUT" --starting-offsets earliest --sink kafka
  --exactly-once true --checkpoint-interval 2s --live-clock-cap 0 --idle-timeout 3s)

echo "== live job, detached: $TOTAL lines of ${#HOSTS[@]} hosts -> kill.*"
t=$(now)
FLINK_RUN_OPTS="-d" "$CLUSTER" submit "${JOB_ARGS[@]}" --group-id kill-live --topic-prefix kill. \
  --transactional-id-prefix kill-live- > "$WORK/live.txt" 2>&1 || { cat "$WORK/live.txt" >&2; fail "live submit failed"; exit 1; }
JOB="$(job_id "$WORK/live.txt")"
[[ -n "$JOB" ]] || { cat "$WORK/live.txt" >&2; fail "no job id"; exit 1; }
produce "$WORK/first.tsv"
await_committed kill.events 1000 180 || exit 1
lap "live job: first half in, output committed" "$t"
expect "input partitions with lines (one host each)" \
  "$(kcat -C -b "$BOOTSTRAP" -t "$INPUT" -o beginning -e -q -f '%p %k\n' 2>/dev/null | sort -u | wc -l | tr -d ' ')" "$PARTITIONS"

echo "== second half in chunks; kill -9 of the TaskManager meanwhile"
t=$(now)
split -l 400 "$WORK/second.tsv" "$WORK/chunk."
( for c in "$WORK"/chunk.*; do produce "$c"; sleep 0.3; done ) & PRODUCER=$!
sleep 2
TM="$(cat "$FLINK_CLUSTER_WORK/taskmanager-1.pid")"
BEFORE="$(ncommitted kill.events)"
kill -9 "$TM"
echo "  killed taskmanager-1 (pid $TM) with $BEFORE of $TOTAL events committed"
for _ in $(seq 1 50); do kill -0 "$TM" 2>/dev/null || break; sleep 0.1; done
"$CLUSTER" replace-taskmanager 1 > "$WORK/replace.txt" 2>&1 || { cat "$WORK/replace.txt" >&2; fail "replace-taskmanager failed"; exit 1; }
lap "TaskManager killed and replaced" "$t"
wait "$PRODUCER" || { fail "producing the second half failed"; exit 1; }
t=$(now)
settle_and_stop kill. "$JOB"
lap "recovered, output settled, stopped" "$t"
EXC="$(curl -sf --max-time 5 "$URL/jobs/$JOB/exceptions" || true)"
[[ "$EXC" == *'"exceptionName"'* ]] && echo "  ok   the job failed over: $(grep -o '"exceptionName":"[^"]*"' <<<"$EXC" | head -1)" \
  || fail "the job shows no failure: was the TaskManager it ran on killed?"

ACC="$(curl -sf --max-time 5 "$URL/jobs/$JOB/accumulators")"
acc() { sed -n "s/.*\"name\":\"$1\",\"type\":\"[A-Za-z]*\",\"value\":\"\([0-9]*\)\".*/\1/p" <<<"$ACC"; }
READ="$(acc lines-read)"; PARSED="$(acc lines-parsed)"; DEAD="$(acc lines-dead-lettered)"
expect "lines-read over the job's life (kill -9 and restore included)" "$READ" "$TOTAL"
expect "lines-parsed + lines-dead-lettered" "$(( ${PARSED:-0} + ${DEAD:-0} ))" "$TOTAL"

echo "== baseline: the same job over the same topic, no failure -> base.*"
t=$(now)
wait "$TOPICS" || { cat "$WORK/topics-base.txt" >&2; fail "create-topics.sh (base.) failed"; exit 1; }
FLINK_RUN_OPTS="-d" "$CLUSTER" submit "${JOB_ARGS[@]}" --group-id kill-base --topic-prefix base. \
  --transactional-id-prefix kill-base- > "$WORK/base.txt" 2>&1 || { cat "$WORK/base.txt" >&2; fail "baseline submit failed"; exit 1; }
BASE="$(job_id "$WORK/base.txt")"
settle_and_stop base. "$BASE"
lap "baseline run, settled, stopped" "$t"

echo "== every output topic: the run with kill -9 vs the baseline (read_committed)"
t=$(now)
for o in "${OUTPUTS[@]}"; do
  normalized "kill.$o" "$o" | sort > "$WORK/kill.$o.txt"
  normalized "base.$o" "$o" | sort > "$WORK/base.$o.txt"
  n="$(wc -l < "$WORK/kill.$o.txt" | tr -d ' ')"
  dups="$(twice "kill.$o" "$o")"
  [[ "$dups" == 0 ]] || fail "$o: $dups records written twice"
  if cmp -s "$WORK/kill.$o.txt" "$WORK/base.$o.txt"; then
    echo "  ok   $o: $n records, the baseline's, none twice"
  else
    fail "$o: $n records, baseline $(wc -l < "$WORK/base.$o.txt" | tr -d ' '); $(comm -23 "$WORK/kill.$o.txt" "$WORK/base.$o.txt" | wc -l | tr -d ' ') not in the baseline, $(comm -13 "$WORK/kill.$o.txt" "$WORK/base.$o.txt" | wc -l | tr -d ' ') of the baseline's missing (files in $WORK)"
  fi
done
expect "life cycles" "$(wc -l < "$WORK/kill.lifecycles.txt" | tr -d ' ')" $((539 * ${#HOSTS[@]}))
lap "compare" "$t"

"$CLUSTER" stop 2>/dev/null
"$BROKER" stop 2>/dev/null
e2e_finish
