#!/usr/bin/env bash
# Builds the benchmarks and runs them all, CPCluster beside its raw-socket baselines, in one run
# (about 8 minutes on 2 cores). Writes cpcluster-benchmarks/results/benchmarks.json (JMH) and
# benchmarks.md (the comparison table README.md carries) and prints the table.
#   cpcluster-benchmarks/run.sh            the full run
#   cpcluster-benchmarks/run.sh --quick    one short iteration each: checks that all runs, measures nothing
# Other arguments go to the runner (see io.cpcluster.benchmarks.Run: --include REGEX, --out DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
echo "run.sh: building the benchmarks..." >&2
"$root/mvnw" -q -B -ntp -DskipTests package -pl cpcluster-benchmarks -am
exec "$JAVA_HOME/bin/java" -jar "$root/cpcluster-benchmarks/target/benchmarks.jar" \
  --out "$root/cpcluster-benchmarks/results" "$@"
