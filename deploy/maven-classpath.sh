# Sourced by deploy/local-cluster.sh and deploy/local-broker.sh: a runtime classpath resolved by
# Maven from a pom that only lists dependencies, cached in a file; resolved again when the pom is
# newer than the file or one of its jars went missing (e.g. a cleaned ~/.m2).
#   maven_classpath POM FILE   prints the classpath (colon-separated jar paths)
# The caller defines die and say (one-line messages on stderr).

maven_classpath() { # pom file
  local pom="$1" file="$2" stale=0
  if [[ ! -s "$file" || "$pom" -nt "$file" ]]; then
    stale=1
  else
    local jar; local IFS=:
    for jar in $(cat "$file"); do [[ -f "$jar" ]] || { stale=1; break; }; done
  fi
  if [[ $stale == 1 ]]; then
    command -v mvn >/dev/null || die "mvn not found (needed once to resolve the classpath of $pom)"
    say "resolving the runtime classpath (${pom#"${ROOT:-}/"})"
    mkdir -p "$(dirname "$file")"
    local log; log="$(dirname "$file")/classpath.log"
    if ! mvn -B -ntp -f "$pom" validate dependency:build-classpath \
        -Dmdep.outputFile="$file" -Dmdep.includeScope=runtime > "$log" 2>&1; then
      tail -n 30 "$log" >&2; rm -f "$file"; die "resolving the classpath failed (full output in $log)"
    fi
  fi
  cat "$file"
}

# the value of a <property> in a pom, e.g. pom_property pom.xml flink.version
pom_property() { # pom name
  sed -n "s:.*<$2>\(.*\)</$2>.*:\1:p" "$1" | head -1
}
