#!/usr/bin/env bash
# Creates the job's Kafka topics. Usage: deploy/create-topics.sh [bootstrap] [partitions] [replication]
# Needs kafka-topics.sh on PATH (any Kafka 4.x distribution or the apache/kafka image, where it is
# /opt/kafka/bin/kafka-topics.sh). Input lines must be produced keyed by host so each host's lines
# stay in one partition, in order.
set -euo pipefail
BOOTSTRAP="${1:-localhost:9092}"
PARTITIONS="${2:-6}"
REPLICATION="${3:-1}"
PREFIX="${TOPIC_PREFIX:-qmail.}"
KT="$(command -v kafka-topics.sh || echo /opt/kafka/bin/kafka-topics.sh)"
for t in lines lifecycles alerts dead-letters events late pages; do
  "$KT" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "${PREFIX}${t}" \
    --partitions "$PARTITIONS" --replication-factor "$REPLICATION"
done
"$KT" --bootstrap-server "$BOOTSTRAP" --list | grep "^${PREFIX}"
