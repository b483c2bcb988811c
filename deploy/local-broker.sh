#!/usr/bin/env bash
# A real Kafka 4.2.0 broker on this machine, without a Kafka distribution: one JVM in KRaft mode
# (broker and controller in one process, as `kafka-server-start.sh` runs a combined node), started
# from Maven artifacts (deploy/broker/pom.xml), bound to 127.0.0.1 only.
#
#   deploy/local-broker.sh start                 format the storage (first start), start the broker
#                                                in the background, wait until it answers; prints
#                                                its bootstrap address
#   deploy/local-broker.sh create-topics [ARGS]  deploy/create-topics.sh against it (ARGS: its
#                                                partitions and replication; TOPIC_PREFIX as there),
#                                                with kafka-topics.sh / kafka-configs.sh from the
#                                                same classpath
#   deploy/local-broker.sh tool NAME ARGS...     kafka-topics.sh or kafka-configs.sh with ARGS
#   deploy/local-broker.sh status                running or not, and the bootstrap address
#   deploy/local-broker.sh stop                  stop the broker (by its recorded PID)
#
# Environment (defaults in brackets):
#   KAFKA_WORK             work dir: server.properties, data, log, pid [deploy/broker/work]
#   KAFKA_PORT             client listener [19092]; the controller listens on KAFKA_PORT + 1
#   KAFKA_HEAP             broker heap [512m]
#   KAFKA_START_TIMEOUT    seconds to wait for the broker [90]
# The broker's settings are the defaults of a production broker, apart from what one node cannot
# do otherwise (replication factor 1 for the offsets and transaction logs) and no initial rebalance
# delay. Needs: Java 17+, Maven (first start resolves the classpath into ~/.m2), kcat (readiness).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BROKER_POM="$ROOT/deploy/broker/pom.xml"
CLASSPATH_FILE="$ROOT/deploy/broker/target/classpath.txt"
WORK="${KAFKA_WORK:-$ROOT/deploy/broker/work}"
PORT="${KAFKA_PORT:-19092}"
CONTROLLER_PORT=$((PORT + 1))
HEAP="${KAFKA_HEAP:-512m}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
HOST=127.0.0.1
BOOTSTRAP="$HOST:$PORT"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
BROKER_CLASS=kafka.Kafka

die() { echo "local-broker: $*" >&2; exit 1; }
say() { echo "local-broker: $*" >&2; }

# shellcheck source=deploy/maven-classpath.sh
. "$ROOT/deploy/maven-classpath.sh"

classpath() { maven_classpath "$BROKER_POM" "$CLASSPATH_FILE"; }

pid() { [[ -s "$WORK/broker.pid" ]] && cat "$WORK/broker.pid" || true; }
alive() {
  local p; p="$(pid)"
  [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null && tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q "$BROKER_CLASS"
}
answers() { kcat -L -b "$BOOTSTRAP" -m 2 2>/dev/null | grep -q ' 1 brokers:'; }

write_conf() {
  mkdir -p "$WORK/data" "$WORK/log"
  cat > "$WORK/server.properties" <<CONF
# written by deploy/local-broker.sh start
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$WORK/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
CONF
  cat > "$WORK/log4j2.properties" <<'CONF'
# the broker logs to one file (-Dlog.file); tools log warnings to stderr
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = File
appender.file.name = File
appender.file.type = File
appender.file.append = true
appender.file.fileName = ${sys:log.file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %c - %m%n
CONF
  cat > "$WORK/log4j2-tools.properties" <<'CONF'
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = Err
appender.err.name = Err
appender.err.type = Console
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c - %m%n
CONF
}

cmd_start() {
  if alive; then say "already running, pid $(pid)"; echo "$BOOTSTRAP"; return 0; fi
  command -v kcat >/dev/null || die "kcat not found (apt-get install kcat)"
  ! answers || die "something already answers on $BOOTSTRAP (set KAFKA_PORT)"
  local v1 v2
  v1="$(pom_property "$ROOT/pom.xml" kafka.version)"; v2="$(pom_property "$BROKER_POM" kafka.version)"
  [[ "$v1" == "$v2" ]] || die "kafka.version is $v1 in pom.xml but $v2 in deploy/broker/pom.xml: make them equal"
  CP="$(classpath)"
  write_conf
  if [[ ! -e "$WORK/data/meta.properties" ]]; then
    # a fresh cluster id: 16 random bytes, URL-safe base64 without padding, not starting with "-"
    # (what `random-uuid` prints; a leading "-" would read as an option)
    local id out
    id=-
    while [[ "$id" == -* ]]; do id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"; done
    out="$("$JAVA" -Xmx256m -Dlog4j2.configurationFile="file:$WORK/log4j2-tools.properties" -cp "$CP" \
      kafka.tools.StorageTool format -t "$id" -c "$WORK/server.properties" 2>&1)" || { echo "$out" >&2; die "formatting the storage failed"; }
  fi
  local t0=$SECONDS f
  for f in "$WORK/log/broker.log" "$WORK/log/broker.out"; do [[ -s "$f" ]] && mv "$f" "$f.$(date +%Y%m%d-%H%M%S)"; done
  nohup "$JAVA" -Xmx"$HEAP" -Xms"$HEAP" -Dlog.file="$WORK/log/broker.log" \
    -Dlog4j2.configurationFile="file:$WORK/log4j2.properties" -cp "$CP" \
    "$BROKER_CLASS" "$WORK/server.properties" > "$WORK/log/broker.out" 2>&1 < /dev/null &
  echo $! > "$WORK/broker.pid"
  local deadline=$((SECONDS + START_TIMEOUT))
  until answers; do
    alive || { say "the broker died while starting; last lines of its logs:"; tail -n 20 "$WORK/log/broker.out" "$WORK/log/broker.log" >&2 2>/dev/null || true; exit 1; }
    (( SECONDS > deadline )) && { say "no answer on $BOOTSTRAP after $START_TIMEOUT s"; cmd_stop; exit 1; }
    sleep 0.3
  done
  say "broker pid $(pid) up in $((SECONDS - t0)) s, log in $WORK/log"
  echo "$BOOTSTRAP"
}

# kafka-topics.sh and kafka-configs.sh as a distribution's bin/ would run them
tool() { # name args...
  local name="$1" class; shift
  case "$name" in
    kafka-topics.sh) class=org.apache.kafka.tools.TopicCommand ;;
    kafka-configs.sh) class=kafka.admin.ConfigCommand ;;
    *) die "unknown tool $name (kafka-topics.sh, kafka-configs.sh)" ;;
  esac
  CP="${CP:-$(classpath)}"
  "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="file:$WORK/log4j2-tools.properties" \
    -cp "$CP" "$class" "$@"
}

cmd_create_topics() {
  alive || die "the broker is not running: run start first"
  CP="$(classpath)"
  # create-topics.sh finds the tools on PATH: shims that call back into this script
  local bin="$WORK/bin" t
  mkdir -p "$bin"
  for t in kafka-topics.sh kafka-configs.sh; do
    printf '#!/usr/bin/env bash\nexec %q tool %q "$@"\n' "$ROOT/deploy/local-broker.sh" "$t" > "$bin/$t"
    chmod +x "$bin/$t"
  done
  KAFKA_WORK="$WORK" KAFKA_PORT="$PORT" PATH="$bin:$PATH" "$ROOT/deploy/create-topics.sh" "$BOOTSTRAP" "$@"
}

cmd_stop() {
  local p; p="$(pid)"
  if alive; then
    kill "$p" 2>/dev/null || true
    local i
    for i in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$p" 2>/dev/null; then say "broker ($p) still running after 20 s: killing it"; kill -9 "$p" 2>/dev/null || true; fi
    say "stopped the broker ($p)"
  fi
  rm -f "$WORK/broker.pid"
}

cmd_status() {
  if alive; then echo "broker: running, pid $(pid), $BOOTSTRAP"; else echo "broker: not running"; return 1; fi
}

case "${1:-}" in
  start) cmd_start ;;
  create-topics) shift; cmd_create_topics "$@" ;;
  tool) shift; tool "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
esac
