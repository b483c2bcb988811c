#!/usr/bin/env bash
# A real standalone Flink session cluster on this machine, without a Flink distribution:
# one JobManager JVM and one or more TaskManager JVMs, started from Maven artifacts
# (deploy/cluster/pom.xml is the classpath a Flink 2.2.1 distribution's lib/ would give),
# bound to 127.0.0.1 only.
#
#   deploy/local-cluster.sh start            start JM + TM 1 in the background, wait for the slots;
#                                            with the JM running, starts the TaskManagers that died
#   deploy/local-cluster.sh add-taskmanager  one more TaskManager (FLINK_SLOTS more slots)
#   deploy/local-cluster.sh replace-taskmanager [N]
#                                            stop TaskManager N (default 1) if it still runs, start a
#                                            new one in its place; running jobs fail over to it
#   deploy/local-cluster.sh submit ARGS...   `flink run` the job jar with the job's ARGS (attached:
#                                            waits for a bounded job and prints its summary)
#   deploy/local-cluster.sh status           processes, slots, and how many more jobs fit
#   deploy/local-cluster.sh stop             stop every process (by their recorded PIDs)
#   deploy/local-cluster.sh cli ARGS...      any other Flink CLI command (list, cancel ID, stop ID ...)
#
# Slots: a job takes as many slots as its parallelism (its operators share slots), and a job that
# does not get them waits and then fails with NoResourceAvailableException. One TaskManager has
# FLINK_SLOTS slots and the default parallelism is FLINK_SLOTS, so each TaskManager holds one job
# at the default parallelism: add one per extra job (e.g. a backfill beside the live job), or
# submit with --parallelism 1. `status` prints how many more jobs fit.
# Logs: log/<process>.log and .out; the previous process's files are kept with a time suffix.
#
# Environment (defaults in brackets):
#   FLINK_CLUSTER_WORK  work dir: conf/, log/, pids, checkpoints [deploy/cluster/work]
#   FLINK_REST_PORT     REST API and web UI [18081]
#   FLINK_RPC_PORT      JobManager RPC [16123]; the other ports (blob, TM RPC/data) are picked free
#   FLINK_SLOTS         task slots of the TaskManager [2]
#   FLINK_JM_MEMORY     jobmanager.memory.process.size [1024m]
#   FLINK_TM_MEMORY     taskmanager.memory.process.size [2048m]
#   FLINK_JOB_JAR       jar that `submit` runs [job/target/qmail-fleet-job-*-flink.jar]
#   FLINK_RUN_OPTS      extra `flink run` options for `submit`, e.g. "-d" (detached) or "-s SAVEPOINT"
#   FLINK_START_TIMEOUT seconds to wait for the slots [90]
#   FLINK_PROM_PORTS    Prometheus reporter ports of the JobManager and TaskManager, each takes the
#                       first free one [19249-19259]
# Needs: Java 17+, Maven (first start resolves the classpath into ~/.m2), curl.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLUSTER_POM="$ROOT/deploy/cluster/pom.xml"
CLASSPATH_FILE="$ROOT/deploy/cluster/target/classpath.txt"
WORK="${FLINK_CLUSTER_WORK:-$ROOT/deploy/cluster/work}"
REST_PORT="${FLINK_REST_PORT:-18081}"
RPC_PORT="${FLINK_RPC_PORT:-16123}"
SLOTS="${FLINK_SLOTS:-2}"
JM_MEMORY="${FLINK_JM_MEMORY:-1024m}"
TM_MEMORY="${FLINK_TM_MEMORY:-2048m}"
START_TIMEOUT="${FLINK_START_TIMEOUT:-90}"
PROM_PORTS="${FLINK_PROM_PORTS:-19249-19259}"
HOST=127.0.0.1
URL="http://$HOST:$REST_PORT"
CONF="$WORK/conf"
LOGS="$WORK/log"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# What flink-dist's config.yaml sets as env.java.default-opts.all for Java 17 (the bin/ scripts pass
# it to every JVM); without it Kryo and the RocksDB/netty code hit illegal reflective access.
OPENS=(--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED)

die() { echo "local-cluster: $*" >&2; exit 1; }
say() { echo "local-cluster: $*" >&2; }

# shellcheck source=deploy/maven-classpath.sh
. "$ROOT/deploy/maven-classpath.sh"

# The Flink runtime classpath, resolved once by Maven and cached; again when the pom changes or a jar went missing.
classpath() { maven_classpath "$CLUSTER_POM" "$CLASSPATH_FILE"; }

# the deploy/cluster/pom.xml Flink/log4j versions must be the ones the job is built against
check_versions() {
  local p v1 v2
  for p in flink.version log4j.version; do
    v1="$(pom_property "$ROOT/pom.xml" "$p")"
    v2="$(pom_property "$CLUSTER_POM" "$p")"
    [[ "$v1" == "$v2" ]] || die "$p is $v1 in pom.xml but $v2 in deploy/cluster/pom.xml: make them equal"
  done
}

write_conf() {
  mkdir -p "$CONF" "$LOGS" "$WORK/tmp" "$WORK/web" "$WORK/blob" "$WORK/plugins" "$WORK/checkpoints" "$WORK/savepoints"
  cat > "$CONF/config.yaml" <<EOF
# written by deploy/local-cluster.sh start
jobmanager.rpc.address: $HOST
jobmanager.rpc.port: $RPC_PORT
jobmanager.bind-host: $HOST
jobmanager.memory.process.size: $JM_MEMORY
taskmanager.host: $HOST
taskmanager.bind-host: $HOST
taskmanager.numberOfTaskSlots: $SLOTS
taskmanager.memory.process.size: $TM_MEMORY
rest.address: $HOST
rest.bind-address: $HOST
rest.port: $REST_PORT
parallelism.default: $SLOTS
# a backfill of several hosts' files keeps its readers within --reader-lead of each other: Flink
# pauses a file reader that is ahead as a whole (it cannot pause one of its files)
pipeline.watermark-alignment.allow-unaligned-source-splits: true
state.backend.type: hashmap
execution.checkpointing.dir: "file://$WORK/checkpoints"
execution.checkpointing.savepoint-dir: "file://$WORK/savepoints"
web.upload.dir: "$WORK/web"
web.tmpdir: "$WORK/web"
blob.storage.directory: "$WORK/blob"
io.tmp.dirs: "$WORK/tmp"
metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory
metrics.reporter.prom.port: $PROM_PORTS
EOF
  cat > "$CONF/log4j.properties" <<'EOF'
# JobManager / TaskManager: one file per process (-Dlog.file)
monitorInterval = 30
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
appender.main.name = MainAppender
appender.main.type = File
appender.main.append = false
appender.main.fileName = ${sys:log.file}
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
logger.kafka.name = org.apache.kafka
logger.kafka.level = WARN
EOF
  cat > "$CONF/log4j-cli.properties" <<'EOF'
# Flink CLI and BashJavaUtils: warnings and errors on the console
rootLogger.level = WARN
rootLogger.appenderRef.console.ref = ConsoleAppender
appender.console.name = ConsoleAppender
appender.console.type = CONSOLE
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n
# "Could not load CLI class org.apache.flink.yarn.cli.FlinkYarnSessionCli": expected, there is no YARN
logger.cli.name = org.apache.flink.client.cli.CliFrontend
logger.cli.level = ERROR
EOF
}

# FLINK_CONF_DIR is read from the environment by the CLI and the entrypoints; an empty plugins dir
# keeps the plugin manager quiet
export FLINK_CONF_DIR="$CONF" FLINK_PLUGINS_DIR="$WORK/plugins"

# Flink's own memory calculation, as bin/jobmanager.sh and bin/taskmanager.sh use it: prints the JVM
# options (line 1) and the dynamic -D properties (line 2)
resource_params() {
  local out
  out="$("$JAVA" -Xmx128m -Dlog4j.configurationFile="file:$CONF/log4j-cli.properties" -cp "$CP" \
    org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$CONF" 2>&1)" \
    || { echo "$out" >&2; die "BashJavaUtils $1 failed"; }
  echo "$out" | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}

pid_of() { [[ -s "$WORK/$1.pid" ]] && cat "$WORK/$1.pid" || true; }

# true when the recorded PID is still the JVM this script started (not a reused PID)
alive() {
  local pid; pid="$(pid_of "$1")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "$2"
}

# while a process starts: alive, or its recorded PID is a process of less than 10 s that has not
# yet become the JVM (the background job is a shell until it execs nohup and java; under load the
# wait loop can look at it in between)
starting() {
  local pid age; pid="$(pid_of "$1")"
  alive "$1" "$2" && return 0
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  age="$(ps -o etimes= -p "$pid" 2>/dev/null | tr -d ' ')"
  [[ -n "$age" ]] && (( age < 10 ))
}

JM_CLASS=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
TM_CLASS=org.apache.flink.runtime.taskexecutor.TaskManagerRunner

# a restarted process must not overwrite the log of the one before it (the log of a TaskManager
# that died is what tells why)
keep_logs() { # name
  local f stamp
  stamp="$(date +%Y%m%d-%H%M%S)"
  for f in "$LOGS/$1.log" "$LOGS/$1.out"; do
    [[ -s "$f" ]] && mv "$f" "$f.$stamp"
  done
  return 0
}

launch() { # name class resource-cmd
  local name="$1" class="$2" params jvm dyn
  params="$(resource_params "$3")"
  jvm="$(sed -n 1p <<<"$params")"; dyn="$(sed -n 2p <<<"$params")"
  [[ -n "$jvm" ]] || die "no JVM parameters from BashJavaUtils $3"
  # shellcheck disable=SC2086  # $jvm and $dyn are word lists, as in Flink's own scripts
  keep_logs "$name"
  nohup "$JAVA" $jvm "${OPENS[@]}" -Dlog.file="$LOGS/$name.log" \
    -Dlog4j.configurationFile="file:$CONF/log4j.properties" -cp "$CP" \
    "$class" --configDir "$CONF" $dyn > "$LOGS/$name.out" 2>&1 < /dev/null &
  echo $! > "$WORK/$name.pid"
}

overview() { curl -sf --max-time 2 "$URL/overview" 2>/dev/null || true; }

# TaskManager names with a recorded PID file: taskmanager-1, taskmanager-2, ...
tm_names() {
  local f
  for f in "$WORK"/taskmanager-*.pid; do [[ -e "$f" ]] && basename "$f" .pid; done | sort -t- -k2 -n
  return 0
}

next_tm() {
  local n=1
  while [[ -e "$WORK/taskmanager-$n.pid" ]]; do n=$((n + 1)); done
  echo "taskmanager-$n"
}

slots_total() { sed -n 's/.*"slots-total":\([0-9]*\).*/\1/p' <<<"$(overview)"; }

# waits until the REST overview reports at least $1 slots; the named processes must stay alive
wait_slots() { # slots name...
  local want="$1"; shift
  local deadline=$((SECONDS + START_TIMEOUT)) n t
  while :; do
    t="$(slots_total)"
    [[ -n "$t" ]] && (( t >= want )) && return 0
    for n in "$@"; do
      local c=$TM_CLASS; [[ $n == jobmanager ]] && c=$JM_CLASS
      starting "$n" "$c" || { say "$n died while starting; last lines of its logs:"; tail -n 20 "$LOGS/$n.out" "$LOGS/$n.log" >&2 2>/dev/null || true; return 1; }
    done
    (( SECONDS > deadline )) && { say "no $want slots after $START_TIMEOUT s"; return 1; }
    sleep 0.3
  done
}

# waits until each named TaskManager has registered with the JobManager (its log says so: the
# REST slot count still includes a killed TaskManager until its heartbeat times out)
wait_registered() { # name...
  local deadline=$((SECONDS + START_TIMEOUT)) n pending
  while :; do
    pending=0
    for n in "$@"; do
      starting "$n" "$TM_CLASS" || { say "$n died while starting; last lines of its logs:"; tail -n 20 "$LOGS/$n.out" "$LOGS/$n.log" >&2 2>/dev/null || true; return 1; }
      grep -q 'Successful registration at resource manager' "$LOGS/$n.log" 2>/dev/null || pending=1
    done
    (( pending == 0 )) && return 0
    alive jobmanager "$JM_CLASS" || { say "the JobManager died"; return 1; }
    (( SECONDS > deadline )) && { say "$* not registered after $START_TIMEOUT s"; return 1; }
    sleep 0.3
  done
}

# one line: slots, free slots and how many more jobs of the default parallelism fit
capacity() {
  local o total free running
  o="$(overview)"
  [[ -n "$o" ]] || { echo "slots: no answer from $URL"; return 0; }
  total="$(sed -n 's/.*"slots-total":\([0-9]*\).*/\1/p' <<<"$o")"
  free="$(sed -n 's/.*"slots-available":\([0-9]*\).*/\1/p' <<<"$o")"
  running="$(sed -n 's/.*"jobs-running":\([0-9]*\).*/\1/p' <<<"$o")"
  echo "slots: $total total, $free free, $running job(s) running; $((free / SLOTS)) more job(s) of parallelism $SLOTS fit" \
    "($((free)) of parallelism 1); add-taskmanager adds $SLOTS slots"
}

start_tm() { # name
  CP="${CP:-$(classpath)}"
  launch "$1" "$TM_CLASS" GET_TM_RESOURCE_PARAMS
}

cmd_start() {
  if alive jobmanager "$JM_CLASS"; then
    # the JobManager runs: start whichever TaskManagers have died, keep the others
    local n dead=() live=0
    CP="$(classpath)"
    for n in $(tm_names); do
      if alive "$n" "$TM_CLASS"; then live=$((live + 1)); else dead+=("$n"); fi
    done
    (( ${#dead[@]} + live > 0 )) || dead=(taskmanager-1)
    if (( ${#dead[@]} == 0 )); then
      say "already running (work dir $WORK)"; capacity >&2; echo "$URL"; return 0
    fi
    for n in "${dead[@]}"; do
      say "$n is not running: starting a new one in its place"
      start_tm "$n"
    done
    wait_registered "${dead[@]}" || exit 1
    say "TaskManager(s) ${dead[*]} up"; capacity >&2
    echo "$URL"; return 0
  fi
  local n
  for n in $(tm_names); do
    alive "$n" "$TM_CLASS" && die "$n runs without its JobManager: run stop first"
  done
  command -v curl >/dev/null || die "curl not found"
  [[ -z "$(overview)" ]] || die "something already answers on $URL (set FLINK_REST_PORT)"
  check_versions
  CP="$(classpath)"
  write_conf
  rm -f "$WORK"/jobmanager.pid "$WORK"/taskmanager*.pid
  local t0=$SECONDS
  launch jobmanager "$JM_CLASS" GET_JM_RESOURCE_PARAMS
  start_tm taskmanager-1
  if ! wait_slots "$SLOTS" jobmanager taskmanager-1; then
    tail -n 20 "$LOGS"/*.out "$LOGS"/*.log >&2 2>/dev/null || true
    cmd_stop; exit 1
  fi
  say "JobManager pid $(pid_of jobmanager), TaskManager pid $(pid_of taskmanager-1), $SLOTS slots, up in $((SECONDS - t0)) s"
  say "logs in $LOGS"
  capacity >&2
  echo "$URL"
}

cmd_add_tm() {
  alive jobmanager "$JM_CLASS" || die "the cluster is not running: run start first"
  local name
  name="$(next_tm)"
  start_tm "$name"
  wait_registered "$name" || exit 1
  say "$name pid $(pid_of "$name") up"; capacity >&2
}

cmd_replace_tm() { # [N]
  alive jobmanager "$JM_CLASS" || die "the cluster is not running: run start first"
  local name="taskmanager-${1:-1}"
  [[ "${1:-1}" =~ ^[0-9]+$ ]] || die "replace-taskmanager takes a TaskManager number"
  stop_one "$name" "$TM_CLASS"
  start_tm "$name"
  wait_registered "$name" || exit 1
  say "$name replaced: pid $(pid_of "$name")"; capacity >&2
}

cli() {
  CP="$(classpath)"
  [[ -s "$CONF/config.yaml" ]] || die "no cluster configuration in $WORK: run start first"
  "$JAVA" "${OPENS[@]}" -Xmx512m -Dlog4j.configurationFile="file:$CONF/log4j-cli.properties" \
    -cp "$CP" org.apache.flink.client.cli.CliFrontend "$@"
}

cmd_submit() {
  alive jobmanager "$JM_CLASS" || die "the cluster is not running: run start first"
  local jar="${FLINK_JOB_JAR:-}"
  if [[ -z "$jar" ]]; then
    jar="$(ls "$ROOT"/job/target/qmail-fleet-job-*-flink.jar 2>/dev/null | head -1 || true)"
    [[ -n "$jar" ]] || die "no job jar: run mvn -B -q -ntp package -DskipTests first"
  fi
  # shellcheck disable=SC2086  # FLINK_RUN_OPTS is a word list
  cli run ${FLINK_RUN_OPTS:-} "$jar" "$@"
}

stop_one() { # name class
  local pid; pid="$(pid_of "$1")"
  if alive "$1" "$2"; then
    kill "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then say "$1 ($pid) still running after 10 s: killing it"; kill -9 "$pid" 2>/dev/null || true; fi
    say "stopped $1 ($pid)"
  fi
  rm -f "$WORK/$1.pid"
}

cmd_stop() {
  local n
  for n in $(tm_names); do stop_one "$n" "$TM_CLASS"; done
  stop_one jobmanager "$JM_CLASS"
}

cmd_status() {
  local rc=0 n
  for n in jobmanager $(tm_names); do
    local c=$JM_CLASS; [[ $n == taskmanager-* ]] && c=$TM_CLASS
    if alive "$n" "$c"; then echo "$n: running, pid $(pid_of "$n")"; else echo "$n: not running"; rc=1; fi
  done
  local o; o="$(overview)"
  if [[ -n "$o" ]]; then echo "$URL/overview: $o"; capacity; else echo "$URL: no answer"; rc=1; fi
  return $rc
}

case "${1:-}" in
  start) cmd_start ;;
  add-taskmanager) cmd_add_tm ;;
  replace-taskmanager) shift; cmd_replace_tm "$@" ;;
  submit) shift; cmd_submit "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  cli) shift; cli "$@" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
esac
