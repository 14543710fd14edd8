#!/usr/bin/env bash
# Fetches Apache Kafka broker, tools and MirrorMaker 2 jars from Maven Central into the tools cache, once per version.
# Usage: scripts/fetch-kafka.sh [VERSION]  -> prints the directory that holds the jars (lib/).
set -euo pipefail
V="${1:-${CLUSTERLINK_KAFKA_VERSION:-4.1.1}}"
T="${CLUSTERLINK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clusterlink}"
K="$T/kafka-$V"
if [ -f "$K/lib/.complete" ]; then echo "$K/lib"; exit 0; fi
command -v java >/dev/null || { echo "fetch-kafka: Java is missing; install Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
command -v mvn >/dev/null || { echo "fetch-kafka: Maven is missing; install it (Debian: apt-get install maven)" >&2; exit 1; }
mkdir -p "$K"
MM2=""
case "$V" in 3.*|4.*) MM2="<dependency><groupId>org.apache.kafka</groupId><artifactId>connect-mirror</artifactId><version>$V</version></dependency>";; esac
cat > "$K/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId><artifactId>kafka-dist</artifactId><version>0</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$V</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$V</version></dependency>
    $MM2
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
POM
echo "fetch-kafka: downloading Apache Kafka $V jars with Maven (once; cached in $K)" >&2
if ! mvn -B -q -f "$K/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$K/lib" >&2; then
  echo "fetch-kafka: Maven could not download Kafka $V; check that Maven Central is reachable and the version exists" >&2; exit 1
fi
touch "$K/lib/.complete"
echo "$K/lib"
