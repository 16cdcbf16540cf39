#!/usr/bin/env bash
# Apache Kafka (KRaft, single node) from Maven Central jars, run with Java 17.
# Clients authenticate with SASL (SCRAM for services and partners, PLAIN for the bootstrap
# administrator) and the standard authorizer holds them to their ACLs (ADR 0023); `start`
# provisions every service's principal and ACLs with `faemban kafka provision`.
# Usage: kafka.sh install|libs|start|stop|reset|status|bootstrap|admin-password|secrets-dir
set -euo pipefail
source "$(dirname "$0")/common.sh"
KDIR="$INFRA/kafka"
SECRETS="$KDIR/secrets"
# the jar set changes with the pom: a new folder, so a cached older set is never used
LIBS="$KDIR/libs-$KAFKA_VERSION-$(sha256sum "$ROOT/deploy/local/kafka-pom.xml" | cut -c1-8)"
DATA="$KDIR/data"
PIDFILE="$KDIR/kafka.pid"

java_ok() { command -v java >/dev/null && java -version 2>&1 | grep -Eq 'version "(1[7-9]|2[0-9])'; }

install() {
  java_ok || apt_install openjdk-17-jre-headless
  if [ ! -f "$LIBS/.complete" ]; then
    command -v mvn >/dev/null || apt_install maven
    log "fetching kafka_2.13:$KAFKA_VERSION and its runtime dependencies from Maven Central"
    rm -rf "$LIBS"; mkdir -p "$LIBS"
    mvn -q -B -f "$ROOT/deploy/local/kafka-pom.xml" -Dkafka.version="$KAFKA_VERSION" \
      -Dmaven.repo.local="$CACHE/m2" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$LIBS" >&2  # stdout is `libs`' answer
    touch "$LIBS/.complete"
  fi
  mkdir -p "$KDIR"
  admin_password >/dev/null
  local plain
  plain="org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"$(admin_password)\" user_admin=\"$(admin_password)\";"
  (umask 077; cat > "$KDIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=CLIENT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=CLIENT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=CLIENT
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
sasl.mechanism.inter.broker.protocol=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=$plain
listener.name.client.plain.sasl.jaas.config=$plain
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false
log.dirs=$DATA
num.partitions=6
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.ms=-1
PROPS
  )
  cat > "$KDIR/log4j2.properties" <<PROPS
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $KDIR/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
PROPS
}

# The bootstrap administrator's password: made once, kept beside the broker (mode 0600).
admin_password() { stored_secret "$SECRETS/admin"; }

# Every service's principal and ACLs, derived from the services' own declarations; the
# passwords go to $SECRETS/<principal> (kept across resets, so running services reconnect).
provision() {
  local cli="$ROOT/.venv/bin/faemban"
  if [ ! -x "$cli" ]; then
    log "no $cli yet (make install): services have no Kafka principals until 'kafka.sh provision'"
    return 0
  fi
  KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$KAFKA_PORT" KAFKA_SASL_USERNAME=admin KAFKA_SASL_MECHANISM=PLAIN \
    KAFKA_SASL_PASSWORD="$(admin_password)" "$cli" kafka provision --secrets-dir "$SECRETS" >&2
}

kjava() { java -cp "$LIBS/*" -Dlog4j2.configurationFile="$KDIR/log4j2.properties" "$@"; }

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

start() {
  install
  if running && cmp -s "$KDIR/server.properties" "$KDIR/server.properties.running"; then
    log "Kafka already running on 127.0.0.1:$KAFKA_PORT"; provision; return
  fi
  if running; then log "Kafka's configuration changed: restarting it"; stop; fi
  if [ ! -f "$DATA/meta.properties" ]; then
    mkdir -p "$DATA"
    kjava kafka.tools.StorageTool format -t "$(kjava kafka.tools.StorageTool random-uuid)" \
      -c "$KDIR/server.properties" >/dev/null
  fi
  cp "$KDIR/server.properties" "$KDIR/server.properties.running"
  nohup java -Xms512m -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -cp "$LIBS/*" -Dlog4j2.configurationFile="$KDIR/log4j2.properties" \
    kafka.Kafka "$KDIR/server.properties" >"$KDIR/kafka.out" 2>&1 &
  echo $! >"$PIDFILE"
  if ! wait_port 127.0.0.1 "$KAFKA_PORT" 90; then
    log "Kafka did not open 127.0.0.1:$KAFKA_PORT; see $KDIR/kafka.out and $KDIR/server.log"
    tail -20 "$KDIR/kafka.out" >&2 || true
    exit 1
  fi
  log "Kafka $KAFKA_VERSION (KRaft, SASL + ACLs) on 127.0.0.1:$KAFKA_PORT"
  provision
}

stop() {
  if running; then
    pid="$(cat "$PIDFILE")"; kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    log "Kafka stopped"
  fi
  rm -f "$PIDFILE"
}

case "${1:-}" in
  install) install ;;
  libs) install; echo "$LIBS" ;;
  start) start ;;
  stop) stop ;;
  reset) stop; rm -rf "$DATA"; log "Kafka data wiped" ;;
  status) running && echo running || echo stopped ;;
  bootstrap) echo "127.0.0.1:$KAFKA_PORT" ;;
  provision) provision ;;
  admin-password) admin_password ;;
  secrets-dir) echo "$SECRETS" ;;
  *) echo "usage: $0 install|libs|start|stop|reset|status|bootstrap|provision|admin-password|secrets-dir" >&2
     exit 2 ;;
esac
