#!/usr/bin/env bash
# Compares the benchmarks of a git revision with the working tree's, in one run on this machine:
# builds both jars, then runs the JMH benchmarks matching --include from each in turn, --rounds
# times, and prints each figure's median before and after with after ÷ before
# (io.cpcluster.benchmarks.Compare; --results DIR keeps JMH's results, or reports a kept run
# again). For "no slower than before" claims, such as issue 13's link
# set-up with a handful of nodes:
#   cpcluster-benchmarks/compare.sh 06b5ecb --include 'LinkSetup' --rounds 3 \
#       --out cpcluster-benchmarks/results/compare-link-setup.md
# The revision must have the same runner (benchmarks.jar taking --include and --out).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/find-jdk.sh"
if [ $# -lt 1 ] || [ "${1#--}" != "$1" ]; then
  echo "usage: compare.sh REVISION --include REGEX [--rounds N] [--out FILE] [--results DIR]" >&2
  exit 2
fi
revision=$1
shift
before=$(mktemp -d)
trap 'rm -rf "$before"' EXIT
echo "compare.sh: building $revision in $before..." >&2
git -C "$root" archive "$revision" | tar -x -C "$before"
(cd "$before" && ./mvnw -q -B -ntp -DskipTests package -pl cpcluster-benchmarks -am)
echo "compare.sh: building the working tree..." >&2
"$root/mvnw" -q -B -ntp -DskipTests package -pl cpcluster-benchmarks -am
"$JAVA_HOME/bin/java" -cp "$root/cpcluster-benchmarks/target/benchmarks.jar" io.cpcluster.benchmarks.Compare \
  --before "$before/cpcluster-benchmarks/target/benchmarks.jar" \
  --after "$root/cpcluster-benchmarks/target/benchmarks.jar" \
  --label "$(git -C "$root" rev-parse --short "$revision") against the working tree at $(git -C "$root" rev-parse --short HEAD)" "$@"
