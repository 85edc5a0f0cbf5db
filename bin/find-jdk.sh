# Sourced by ./mvnw and ./cpcluster: finds a JDK >= 21 and exports JAVA_HOME, or exits with a
# message that says what it saw and what to do.
#
# The project compiles for release 21 (virtual threads), but many machines default to an older
# `java`. The JDK chosen is:
#   1. $JAVA_HOME, when it is 21 or newer;
#   2. otherwise the newest JDK >= 21 under /usr/lib/jvm (or under the folders listed in
#      $CPCLUSTER_JDK_DIRS, separated by spaces).

cpcluster_required_jdk=21

# Prints the feature version (17, 21, 25, ...) of the JDK in folder $1, or nothing.
cpcluster_jdk_major() {
  local home=$1 version=""
  [ -x "$home/bin/javac" ] || return 0
  if [ -r "$home/release" ]; then
    version=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")
  fi
  if [ -z "$version" ]; then
    version=$("$home/bin/java" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)
  fi
  version=${version#1.}
  echo "${version%%[.+-]*}"
}

cpcluster_find_jdk() {
  local seen="" pick="" pick_major=0 major home dir
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(cpcluster_jdk_major "$JAVA_HOME")
    seen="$seen\n  JAVA_HOME=$JAVA_HOME (${major:-not a JDK})"
    if [ -n "$major" ] && [ "$major" -ge "$cpcluster_required_jdk" ]; then
      pick=$JAVA_HOME
      pick_major=$major
    fi
  fi
  if [ -z "$pick" ]; then
    for dir in ${CPCLUSTER_JDK_DIRS:-/usr/lib/jvm}; do
      for home in "$dir"/*/; do
        [ -d "$home" ] || continue
        home=${home%/}
        [ -L "$home" ] && continue
        major=$(cpcluster_jdk_major "$home")
        [ -n "$major" ] || continue
        seen="$seen\n  $home ($major)"
        if [ "$major" -ge "$cpcluster_required_jdk" ] && [ "$major" -gt "$pick_major" ]; then
          pick=$home
          pick_major=$major
        fi
      done
    done
  fi
  if [ -z "$pick" ]; then
    printf 'CPCluster needs a JDK %s or newer, and none was found.\nJDKs seen:%b\n' \
      "$cpcluster_required_jdk" "${seen:-\n  (none)}" >&2
    printf 'Install one (for example: apt-get install openjdk-21-jdk-headless), or point JAVA_HOME at one.\n' >&2
    exit 1
  fi
  export JAVA_HOME=$pick
  export CPCLUSTER_JDK_MAJOR=$pick_major
  export PATH="$JAVA_HOME/bin:$PATH"
}

cpcluster_find_jdk
