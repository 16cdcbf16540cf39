#!/usr/bin/env bash
# Local real infrastructure: PostgreSQL + Kafka on loopback.
# Usage: infra.sh up [--fresh] | down | status | env
#   --fresh wipes Kafka's log first (tests start from empty topics).
#   env prints the variables that point Faemban and its tests at them (as the Kafka administrator).
set -euo pipefail
HERE="$(dirname "$0")"
source "$HERE/common.sh"
case "${1:-}" in
  up)
    if [ "${2:-}" = "--fresh" ]; then "$HERE/kafka.sh" reset; fi
    "$HERE/postgres.sh" start
    "$HERE/kafka.sh" start
    ;;
  down) "$HERE/kafka.sh" stop; "$HERE/postgres.sh" stop ;;
  status) echo "postgres: $("$HERE/postgres.sh" status)"; echo "kafka: $("$HERE/kafka.sh" status)" ;;
  env)
    echo "export KAFKA_BOOTSTRAP_SERVERS=$("$HERE/kafka.sh" bootstrap)"
    # this shell is the administrator (tests, benches, provisioning); launchers give each
    # service its own principal from the secrets folder (ADR 0023)
    echo "export KAFKA_SASL_USERNAME=admin KAFKA_SASL_MECHANISM=PLAIN"
    echo "export KAFKA_SASL_PASSWORD=$("$HERE/kafka.sh" admin-password)"
    echo "export FAEMBAN_KAFKA_SECRETS_DIR=$("$HERE/kafka.sh" secrets-dir)"
    echo "export FAEMBAN_TEST_POSTGRES_URL=$("$HERE/postgres.sh" url)"
    ;;
  *) echo "usage: $0 up [--fresh]|down|status|env" >&2; exit 2 ;;
esac
