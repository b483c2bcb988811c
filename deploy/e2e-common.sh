# Sourced by the end-to-end scripts (deploy/e2e-*.sh): their work dir, their own cluster (and
# broker) on their own ports, clean-up on every exit, failures, checks, timings, the job jar.
#
#   e2e_init NAME REST_PORT RPC_PORT PROM_PORTS
#       cd to the repository root; WORK = a new temporary dir; the cluster of deploy/local-cluster.sh
#       ($CLUSTER) gets its work dir under WORK and the given ports (the caller's FLINK_REST_PORT,
#       FLINK_RPC_PORT and FLINK_PROM_PORTS win). On exit the cluster (and a broker started with
#       e2e_broker) is stopped; WORK is removed after a success, kept after a failure or with KEEP=1.
#   e2e_broker PORT   also use a broker of deploy/local-broker.sh ($BROKER) under WORK on PORT
#   fail MSG          records a failure (the script goes on; e2e_finish exits non-zero)
#   expect WHAT ACTUAL EXPECTED
#   lap LABEL T0      records the time since T0 (from `now`) for e2e_timings
#   job_jar           the cluster job jar, built if missing; exports FLINK_JOB_JAR
#   job_id FILE       the JobID in a `flink run -d` output
#   job_state ID      the job's state from the REST API (RUNNING, FINISHED, ...)
#   e2e_finish        prints the timings and the verdict; exits 1 after any failure

e2e_init() { # name rest-port rpc-port prom-ports
  E2E_NAME="$1"
  ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  cd "$ROOT"
  export FLINK_REST_PORT="${FLINK_REST_PORT:-$2}" FLINK_RPC_PORT="${FLINK_RPC_PORT:-$3}"
  export FLINK_PROM_PORTS="${FLINK_PROM_PORTS:-$4}"
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/qmail-fleet-$E2E_NAME.XXXXXX")"
  export FLINK_CLUSTER_WORK="$WORK/cluster"
  CLUSTER="$ROOT/deploy/local-cluster.sh"
  BROKER="$ROOT/deploy/local-broker.sh"
  E2E_USES_BROKER=0
  FAILED=0
  T_START=$(now)
  TIMINGS=()
  trap e2e_cleanup EXIT
  trap 'exit 130' INT TERM
}

e2e_broker() { # port
  export KAFKA_WORK="$WORK/broker" KAFKA_PORT="${KAFKA_PORT:-$1}"
  E2E_USES_BROKER=1
}

e2e_cleanup() {
  local rc=$?
  "$CLUSTER" stop >/dev/null 2>&1 || true
  [[ $E2E_USES_BROKER == 1 ]] && { "$BROKER" stop >/dev/null 2>&1 || true; }
  if [[ $rc -ne 0 || $FAILED -ne 0 || -n "${KEEP:-}" ]]; then
    echo "work dir kept: $WORK (cluster logs in $FLINK_CLUSTER_WORK/log)" >&2
  else
    rm -rf "$WORK"
  fi
}

fail() { echo "${E2E_NAME^^} FAIL: $*" >&2; FAILED=1; }

expect() { # what actual expected
  if [[ "$2" == "$3" ]]; then echo "  ok   $1 = $2"; else fail "$1 = $2, expected $3"; fi
}

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }
lap() { TIMINGS+=("$(printf '%-44s %6s s' "$1" "$(secs "$2" "$(now)")")"); }

job_jar() {
  local jar t
  jar="$(ls job/target/qmail-fleet-job-*-flink.jar 2>/dev/null | head -1 || true)"
  if [[ -z "$jar" ]]; then
    echo "== building the jars (mvn -B -q -ntp package -DskipTests)"
    t=$(now)
    mvn -B -q -ntp package -DskipTests
    lap "build" "$t"
    jar="$(ls job/target/qmail-fleet-job-*-flink.jar | head -1)"
  fi
  export FLINK_JOB_JAR="$ROOT/$jar"
  echo "== job jar: $jar"
}

job_id() { sed -n 's/^Job has been submitted with JobID \([0-9a-f]*\).*/\1/p' "$1"; }

job_state() { curl -sf --max-time 2 "$URL/jobs/$1" | grep -o '"state":"[A-Z]*"' | head -1 | cut -d'"' -f4 || true; }

e2e_timings() {
  echo "== timings"
  printf '  %s\n' "${TIMINGS[@]}"
  printf '  %-44s %6s s\n' "total" "$(secs "$T_START" "$(now)")"
}

e2e_finish() {
  [[ ${#TIMINGS[@]} -gt 0 ]] && e2e_timings
  if [[ $FAILED -ne 0 ]]; then echo "E2E ${E2E_NAME^^} FAILED"; exit 1; fi
  echo "E2E ${E2E_NAME^^} OK"
}
