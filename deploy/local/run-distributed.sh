#!/usr/bin/env bash
# The five services as separate processes on loopback, talking only through
# Kafka, each with its own PostgreSQL database. Ctrl-C stops them.
set -euo pipefail
HERE="$(dirname "$0")"
source "$HERE/common.sh"
"$HERE/infra.sh" up
eval "$("$HERE/infra.sh" env)"
PG="$FAEMBAN_TEST_POSTGRES_URL"
export REGISTRY_DATABASE_URL="${REGISTRY_DATABASE_URL:-$PG/faemban_registry}"
export ASSESSMENT_DATABASE_URL="${ASSESSMENT_DATABASE_URL:-$PG/faemban_assessment}"
export PLANNING_DATABASE_URL="${PLANNING_DATABASE_URL:-$PG/faemban_planning}"
export ASSISTANCE_LOG_DATABASE_URL="${ASSISTANCE_LOG_DATABASE_URL:-$PG/faemban_assistance_log}"
export REPORTING_DATABASE_URL="${REPORTING_DATABASE_URL:-$PG/faemban_reporting}"
FAEMBAN="$ROOT/.venv/bin/faemban"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT
port=8001
for svc in registry assessment planning assistance-log reporting; do
  # each service is its own principal on the broker, held to its ACLs (ADR 0023)
  KAFKA_SASL_USERNAME="faemban-$svc" KAFKA_SASL_MECHANISM=SCRAM-SHA-512 \
    KAFKA_SASL_PASSWORD="$(cat "$FAEMBAN_KAFKA_SECRETS_DIR/faemban-$svc")" \
    "$FAEMBAN" serve "$svc" --port "$port" &
  pids+=($!)
  echo "  $svc  http://127.0.0.1:$port/docs"
  port=$((port + 1))
done
echo "Kafka $KAFKA_BOOTSTRAP_SERVERS, PostgreSQL $PG; token: .venv/bin/faemban token --role province_officer --area 34"
wait
