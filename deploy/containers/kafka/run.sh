#!/bin/sh
# server.properties from the environment as apache/kafka reads it: KAFKA_FOO_BAR → foo.bar,
# "__" → "_", "___" → "-" (JVM settings excepted); the log formatted on first start.
set -eu
CONFIG=/opt/kafka/config/server.properties
: "${CLUSTER_ID:=5L6g3nShT-eMCtK--X86sw}"
: > "$CONFIG"
env | sort | while IFS='=' read -r name value; do
  case "$name" in
    KAFKA_HEAP_OPTS|KAFKA_OPTS|KAFKA_JVM_PERFORMANCE_OPTS|KAFKA_LOG4J_OPTS|KAFKA_VERSION) continue ;;
    KAFKA_*) ;;
    *) continue ;;
  esac
  key="$(printf '%s' "${name#KAFKA_}" | sed -e 's/___/-/g' -e 's/__/@/g' -e 's/_/./g' -e 's/@/_/g' \
    | tr '[:upper:]' '[:lower:]')"
  printf '%s=%s\n' "$key" "$value" >> "$CONFIG"
done
grep -q '^log.dirs=' "$CONFIG" || echo "log.dirs=/var/lib/kafka/data" >> "$CONFIG"
set -- -cp '/opt/kafka/libs/*' -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties
log_dir="$(sed -n 's/^log.dirs=//p' "$CONFIG" | cut -d, -f1)"
if [ ! -f "$log_dir/meta.properties" ]; then
  java "$@" kafka.tools.StorageTool format --ignore-formatted -t "$CLUSTER_ID" -c "$CONFIG" >/dev/null
fi
# shellcheck disable=SC2086
exec java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} -XX:+UseG1GC -Djava.awt.headless=true \
  ${KAFKA_OPTS:-} "$@" kafka.Kafka "$CONFIG"
