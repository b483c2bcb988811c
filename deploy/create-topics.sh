#!/usr/bin/env bash
# Creates the job's Kafka topics with their configuration set on purpose, or brings the configuration
# of existing topics up to date. Usage: deploy/create-topics.sh [bootstrap] [partitions] [replication]
# Needs kafka-topics.sh and kafka-configs.sh on PATH (any Kafka 4.x distribution or the apache/kafka
# image, where they are in /opt/kafka/bin). Input lines must be produced keyed by host so each host's
# lines stay in one partition, in order.
#
# Record timestamps. Hosts' clocks are wrong sometimes (a month ahead, a month behind), and a broker
# rejects a record stamped more than message.timestamp.after.max.ms (1 h by default) in the future:
#   input topic   message.timestamp.type=LogAppendTime: the broker stamps each line when it arrives,
#                 whatever timestamp the shipper set, so no line is ever rejected for its time and
#                 time retention counts from arrival. The job takes event time from the line's own
#                 stamp, not from the record timestamp.
#   output topics message.timestamp.type=CreateTime with the broker's default limits written out:
#                 the job stamps output records with its own clock (processing time) when it writes
#                 them; log times are in the JSON. after.max.ms stays at 1 h (the job's clock must
#                 be within an hour of the broker's); before.max.ms stays unlimited (records written
#                 shortly before a restore are committed after it).
# Record sizes.
#   input topic   max.message.bytes 8 MiB (LINES_MAX_MESSAGE_BYTES): a 2 MB line must still reach the
#                 job, which dead-letters it (TOO_LONG) with its origin, instead of the shipper failing
#                 on it. The shipper's producer needs max.request.size at least as large.
#   output topics max.message.bytes 1048588, the broker default, at least the job's
#                 --kafka-max-record-bytes (1048576): larger output records are dead-lettered by the
#                 job (RECORD_TOO_LARGE) and never sent.
# Retention (time-based, from the record timestamps above, so it counts from arrival/writing; the
# aggregate topics are also compacted, see below):
#   input 7 days (LINES_RETENTION_MS): a replay or backfill can go back a week;
#   lifecycles, message-alerts, alerts, dead-letters, late, senders, recipients, domains, hosts 7 days (OUTPUT_RETENTION_MS); events 3 days (EVENTS_RETENTION_MS),
#   the largest output, one record per line.
# DRY_RUN=1 prints the commands instead of running them.
set -euo pipefail
BOOTSTRAP="${1:-localhost:9092}"
PARTITIONS="${2:-6}"
REPLICATION="${3:-1}"
PREFIX="${TOPIC_PREFIX:-qmail.}"
LINES_MAX_MESSAGE_BYTES="${LINES_MAX_MESSAGE_BYTES:-8388608}"
OUTPUT_MAX_MESSAGE_BYTES="${OUTPUT_MAX_MESSAGE_BYTES:-1048588}"
LINES_RETENTION_MS="${LINES_RETENTION_MS:-604800000}"
OUTPUT_RETENTION_MS="${OUTPUT_RETENTION_MS:-604800000}"
EVENTS_RETENTION_MS="${EVENTS_RETENTION_MS:-259200000}"
KT="$(command -v kafka-topics.sh || echo /opt/kafka/bin/kafka-topics.sh)"
KC="$(command -v kafka-configs.sh || echo /opt/kafka/bin/kafka-configs.sh)"

run() {
  if [ "${DRY_RUN:-0}" = 1 ]; then printf '%s\n' "$*"; else "$@"; fi
}

# topic NAME CONFIG...: create it with these configs if missing, then set them (an existing topic
# keeps its partitions but gets this configuration)
topic() {
  local name="$1"; shift
  local args=() cfg
  for cfg in "$@"; do args+=(--config "$cfg"); done
  run "$KT" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$name" \
    --partitions "$PARTITIONS" --replication-factor "$REPLICATION" "${args[@]}"
  # kafka-configs separates configs with commas: a list value (compact,delete) goes in brackets
  local add=() c
  for c in "$@"; do
    if [[ "${c#*=}" == *,* ]]; then add+=("${c%%=*}=[${c#*=}]"); else add+=("$c"); fi
  done
  run "$KC" --bootstrap-server "$BOOTSTRAP" --alter --entity-type topics --entity-name "$name" \
    --add-config "$(IFS=,; echo "${add[*]}")"
}

topic "${PREFIX}lines" cleanup.policy=delete message.timestamp.type=LogAppendTime \
  "max.message.bytes=${LINES_MAX_MESSAGE_BYTES}" "retention.ms=${LINES_RETENTION_MS}"
# one topic per output of the job (io.qmailfleet.job.sink.Outputs.ALL), plus the input above
# (senders recipients domains hosts: keyed by [key, window start], a later record replaces an earlier
# one, so they are compacted as well as deleted after their retention: a consumer that reads such a
# topic from the start gets the latest record of each window)
for t in lifecycles message-alerts dead-letters events late host-events hops senders recipients domains hosts alerts; do
  retention="$OUTPUT_RETENTION_MS"
  [ "$t" = events ] && retention="$EVENTS_RETENTION_MS"
  policy=delete
  case "$t" in senders|recipients|domains|hosts) policy=compact,delete ;; esac
  topic "${PREFIX}${t}" "cleanup.policy=${policy}" message.timestamp.type=CreateTime \
    message.timestamp.after.max.ms=3600000 message.timestamp.before.max.ms=9223372036854775807 \
    "max.message.bytes=${OUTPUT_MAX_MESSAGE_BYTES}" "retention.ms=${retention}"
done
if [ "${DRY_RUN:-0}" != 1 ]; then "$KT" --bootstrap-server "$BOOTSTRAP" --list | grep "^${PREFIX}"; fi
