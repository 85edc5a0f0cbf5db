#!/usr/bin/env bash
# Builds the benchmarks and runs them all, CPCluster beside its raw-socket baselines, in one run:
# plain TCP beside plain sockets, and TLS 1.3 (CPCluster's defaults) beside the JDK's SSLSocket
# (about 16 minutes on 2 cores, build included; see io.cpcluster.benchmarks.Run for the plan).
# Writes cpcluster-benchmarks/results/benchmarks.json (JMH) and benchmarks.md (the comparison
# tables README.md carries: TLS, plain, and what TLS costs) and prints them.
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
