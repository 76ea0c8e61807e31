#!/usr/bin/env bash
# Starts the Ignis control plane on this machine: builds it (and the runtime) if needed, then runs it with
# an embedded PostgreSQL under $IGNIS_HOME (~/.ignis) unless IGNIS_DB_URL points at a server, and with the
# local provisioner (deployments run as runtime processes here) unless IGNIS_PROVISIONER says otherwise.
set -euo pipefail
cd "$(dirname "$0")"
if [ -z "${JAVA_HOME:-}" ] && [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
if [ -z "${JAVA_HOME:-}" ]; then
  echo "error: set JAVA_HOME to a JDK 25" >&2
  exit 1
fi
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
jar=control-plane/target/quarkus-app/quarkus-run.jar
runtime=runtime/server/target/quarkus-app/quarkus-run.jar
if [ ! -f "$jar" ] || [ ! -f "$runtime" ] \
    || [ -n "$(find control-plane/src runtime/engine/src runtime/server/src acl/src operator/crd/src -newer "$jar" -type f | head -1)" ]; then
  echo "Building the control plane and the runtime..."
  ./mvnw -B -q -pl control-plane -am package -DskipTests
  touch "$jar"
fi
export IGNIS_PROVISIONER="${IGNIS_PROVISIONER:-local}"
export IGNIS_LOCAL_RUNTIME_JAR="${IGNIS_LOCAL_RUNTIME_JAR:-$(pwd)/$runtime}"
if [ -z "${IGNIS_MODELS_DIR:-}" ] && [ -d ../shared/models ]; then
  export IGNIS_MODELS_DIR="$(cd ../shared/models && pwd)"
fi
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  --sun-misc-unsafe-memory-access=allow -jar "$jar" "$@"
