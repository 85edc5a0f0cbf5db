#!/usr/bin/env bash
# Builds the benchmarks and runs the load benchmark of issue 13: for each cluster size, a fresh
# master in its own JVM (io.cpcluster.benchmarks.LoadMaster) and that many simulated nodes in this
# one (io.cpcluster.benchmarks.Load), each a virtual thread speaking the wire protocol over TLS 1.3.
# Prints a Markdown table (joins/s, time to join, master CPU, heap and RSS per node, heartbeat cost
# at rest, links brokered/s) with the issue's goals, and writes it to
# cpcluster-benchmarks/results/load.md (the masters' logs go to cpcluster-benchmarks/target/load-logs).
#   cpcluster-benchmarks/load.sh                        1,000, 5,000 and 10,000 nodes (10 minutes or more)
#   cpcluster-benchmarks/load.sh --nodes 1000 --window 5   a quicker look
#   cpcluster-benchmarks/load.sh --help                 every option
# LOAD_PROBE_HEAP sets the probe's -Xmx (4g by default: 10,000 TLS connections and their buffers).
# Linux only: CPU time and memory are read from /proc.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"

# Each side holds one descriptor per connection: 10,000 nodes need 10,000 and some in the probe
# and in the master alike (they inherit this shell's limit).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
largest=10000
args=("$@")
for ((i = 0; i + 1 < ${#args[@]}; i++)); do
  if [ "${args[i]}" = --nodes ]; then
    largest=$(echo "${args[i + 1]}" | tr ',' '\n' | tr -d '_ ' | sort -n | tail -n 1)
  fi
done
files=$(ulimit -n)
if [ "$files" != unlimited ] && [ "$files" -lt $((largest + 1024)) ]; then
  echo "load.sh: WARNING: the open-file limit is $files (and could not be raised to 65536), below the" \
    "$((largest + 1024)) that $largest nodes need in each process: expect failed joins" >&2
else
  echo "load.sh: open-file limit $files" >&2
fi

echo "load.sh: building the benchmarks..." >&2
"$root/mvnw" -q -B -ntp -DskipTests package -pl cpcluster-benchmarks -am
exec "$JAVA_HOME/bin/java" "-Xmx${LOAD_PROBE_HEAP:-4g}" -cp "$root/cpcluster-benchmarks/target/benchmarks.jar" \
  io.cpcluster.benchmarks.Load --out "$root/cpcluster-benchmarks/results" \
  --logs "$root/cpcluster-benchmarks/target/load-logs" "$@"
