#!/usr/bin/env bash
# Fetches Apache Kafka broker and tools jars from Maven Central into the tools cache, once per version; safe to run many at once.
# Usage: scripts/fetch-kafka.sh [--mirror-maker] [--zookeeper] [VERSION]  -> prints the directory that holds the jars (lib/).
#   --mirror-maker  (or CLUSTERLINK_KAFKA_MIRROR_MAKER=1) also MirrorMaker 2 (connect-mirror and Connect); a separate cache
#                   entry, kafka-VERSION-mirror-maker/lib, because connect-mirror is not published for every version.
#   --zookeeper     (or CLUSTERLINK_KAFKA_ZOOKEEPER=1) checks that the jars can run ZooKeeper-mode clusters: Kafka before 4.0
#                   brings ZooKeeper itself; 4.0 and later have no ZooKeeper mode and are refused.
# kafka-tools (ProducerPerformance and friends) is fetched when Maven Central has it for VERSION, and left out with a
# warning when it has not (the broker does not need it). Checked: 2.8.2, 4.1.1, 4.2.2 and 4.4.0.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/cache-lock.sh"
log() { echo "fetch-kafka: $*" >&2; }

MM2="${CLUSTERLINK_KAFKA_MIRROR_MAKER:-0}"; ZK="${CLUSTERLINK_KAFKA_ZOOKEEPER:-0}"; V=""
for arg in "$@"; do
  case "$arg" in
    --mirror-maker) MM2=1 ;;
    --zookeeper) ZK=1 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    -*) log "unknown option $arg (use --mirror-maker, --zookeeper)"; exit 2 ;;
    *) [ -z "$V" ] || { log "one VERSION only, got '$V' and '$arg'"; exit 2; }; V="$arg" ;;
  esac
done
V="${V:-${CLUSTERLINK_KAFKA_VERSION:-4.1.1}}"
[[ "$V" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { log "VERSION must look like 4.1.1, got '$V'"; exit 2; }
if [ "$ZK" = 1 ] && [ "${V%%.*}" -ge 4 ]; then
  log "Kafka $V has no ZooKeeper mode (removed in 4.0); use a 2.x or 3.x version with --zookeeper"; exit 2
fi

K="$CL_CACHE/kafka-$V"; [ "$MM2" = 1 ] && K="$CL_CACHE/kafka-$V-mirror-maker"
# Earlier versions of this script marked lib/ itself; such a folder is complete too (and may be in use: never replace it).
is_complete() { cl_is_complete "$K" || [ -f "$K/lib/.complete" ]; }
check_zookeeper() {
  [ "$ZK" = 1 ] || return 0
  compgen -G "$K/lib/zookeeper-[0-9]*.jar" >/dev/null || { log "no ZooKeeper jar in $K/lib for Kafka $V"; exit 1; }
}
if is_complete; then check_zookeeper; echo "$K/lib"; exit 0; fi

command -v java >/dev/null || { log "Java is missing; install Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless)"; exit 1; }
command -v mvn >/dev/null || { log "Maven is missing; install it (Debian: apt-get install maven)"; exit 1; }
# One lock for every Kafka fetch: Maven 3.8 does not lock its local repository (~/.m2) against concurrent writers either.
cl_lock maven
if is_complete; then check_zookeeper; echo "$K/lib"; exit 0; fi

dep() { echo "<dependency><groupId>org.apache.kafka</groupId><artifactId>$1</artifactId><version>$V</version></dependency>"; }
tmp=$(cl_tmpdir "$K")
trap 'rm -rf "$tmp"' EXIT
# copy_jars DEPENDENCY...: one Maven run that copies them and everything they need into $tmp/lib; its output in $tmp/mvn.log.
copy_jars() {
  rm -rf "$tmp/lib"
  cat > "$tmp/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId><artifactId>kafka-dist</artifactId><version>0</version><packaging>pom</packaging>
  <dependencies>
    $*
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
POM
  mvn -B -q -Dstyle.color=never -f "$tmp/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp/lib" >"$tmp/mvn.log" 2>&1
}
# absent ARTIFACT: the last Maven run failed because Maven Central has no org.apache.kafka:ARTIFACT:V (not for a network error).
absent() {
  local a="org\.apache\.kafka:$1:jar:$V"
  grep -qE "$a.*(Could not find|not found|absent)|(Could not find artifact|absent\)).*$a" "$tmp/mvn.log"
}
fail() { log "$1"; grep -E "ERROR" "$tmp/mvn.log" | head -5 >&2; exit 1; }
deps="$(dep kafka_2.13)"; [ "$MM2" = 1 ] && deps="$deps $(dep connect-mirror)"
log "downloading Apache Kafka $V jars$([ "$MM2" = 1 ] && echo ' with MirrorMaker 2') with Maven (once; cached in $K)"
if ! copy_jars "$deps $(dep kafka-tools)"; then
  absent kafka_2.13 && fail "Apache Kafka $V (kafka_2.13) is not on Maven Central; check the version"
  [ "$MM2" = 1 ] && absent connect-mirror && fail "MirrorMaker 2 (connect-mirror) $V is not on Maven Central; pick another version"
  absent kafka-tools || fail "Maven could not download Kafka $V; check that Maven Central is reachable and the version exists"
  log "kafka-tools $V is not on Maven Central; fetching without it (the broker does not need it)"
  copy_jars "$deps" || fail "Maven could not download Kafka $V; check that Maven Central is reachable and the version exists"
fi
compgen -G "$tmp/lib/kafka_2.13-$V.jar" >/dev/null || fail "Maven finished but kafka_2.13-$V.jar is missing"
# Kafka before 3.2 also brings slf4j-log4j12 and log4j 1.2.17. Keep slf4j-reload4j (and reload4j) beside them: with
# log4j 1.2.17 alone on Java 17, a 2.8 ConfigCommand never connects to ZooKeeper (SCRAM users in ZooKeeper-mode
# clusters); SLF4J warns about two bindings and uses one.
cl_publish "$tmp" "$K"
trap - EXIT
check_zookeeper
echo "$K/lib"
