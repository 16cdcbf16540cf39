#!/usr/bin/env bash
# make up / make down: the compose stack (docker-compose.yml) on loopback ports of its own.
#   stack.sh up | down [--volumes] | ps | logs SERVICE | kafka-env
#   (kafka-env: the Kafka administrator's settings for `faemban partner add` on the host port,
#   and each service's password)
# With podman: images built here (images.sh, cached), podman-compose from PyPI, and the
# start order compose's depends_on asks for but podman-compose ignores — Kafka and
# PostgreSQL healthy first, then the services' Kafka principals (kafka-setup), then the
# services healthy, then the gateway. With docker:
# `docker compose up -d --wait` does all of that itself.
# FAEMBAN_COMPOSE_PROJECT (default faemban) and the port variables of docker-compose.yml let
# a second stack (the container tests) run beside a developer's.
set -euo pipefail
source "$(dirname "$0")/engine.sh"
ensure_engine
PROJECT="${FAEMBAN_COMPOSE_PROJECT:-faemban}"
COMPOSE_FILE="$ROOT/docker-compose.yml"
TOOLS="$CACHE/containers/tools"
export FAEMBAN_KEYS_DIR="${FAEMBAN_KEYS_DIR:-$ROOT/var/dev-keys}"
INFRA_SERVICES=(kafka postgres)
# the services: each its own Kafka principal and password
SERVICES=(registry assessment planning assistance-log reporting)
# their containers: assessment-summary runs the assessment's image and principal (ADR 0029)
APP_SERVICES=("${SERVICES[@]}" assessment-summary)

compose() {
  if [ "$ENGINE" = podman ]; then
    if [ ! -x "$TOOLS/bin/podman-compose" ]; then
      log "installing podman-compose into $TOOLS"
      python3 -m venv "$TOOLS" && "$TOOLS/bin/pip" install -q 'podman-compose==1.6.0'
    fi
    "$TOOLS/bin/podman-compose" -p "$PROJECT" -f "$COMPOSE_FILE" "$@"
  else
    docker compose -p "$PROJECT" -f "$COMPOSE_FILE" "$@"
  fi
}

container() { echo "${PROJECT}_$1_1"; }

wait_healthy() { # seconds service…
  local limit=$1; shift
  local deadline=$(( SECONDS + limit )) s pending
  pending=("$@")
  while [ ${#pending[@]} -gt 0 ]; do
    local still=()
    for s in "${pending[@]}"; do
      if ! "$ENGINE" healthcheck run "$(container "$s")" >/dev/null 2>&1; then still+=("$s"); fi
    done
    pending=("${still[@]+"${still[@]}"}")
    [ ${#pending[@]} -eq 0 ] && break
    if [ $SECONDS -ge $deadline ]; then
      log "not healthy after ${limit}s: ${pending[*]}"
      for s in "${pending[@]}"; do "$ENGINE" logs --tail 30 "$(container "$s")" >&2 || true; done
      return 1
    fi
    sleep 2
  done
}

# The Kafka administrator's and each service's password: random, made once per project and
# kept under the cache (mode 0600); docker-compose.yml's defaults are for a throwaway stack.
kafka_passwords() {
  local dir="$CACHE/containers/secrets/$PROJECT" name var
  for name in admin "${SERVICES[@]}"; do
    if [ "$name" = admin ]; then var=FAEMBAN_KAFKA_ADMIN_PASSWORD
    else var="FAEMBAN_KAFKA_PASSWORD_$(echo "$name" | tr '[:lower:]-' '[:upper:]_')"; fi
    export "$var=$(stored_secret "$dir/$name")"
  done
}

up() {
  local start=$SECONDS
  mkdir -p "$CACHE/containers"  # images.log goes here, before anything else made the folder
  if [ "$ENGINE" = podman ]; then
    export FAEMBAN_KAFKA_IMAGE="${FAEMBAN_KAFKA_IMAGE:-localhost/faemban-kafka:latest}"
    export FAEMBAN_POSTGRES_IMAGE="${FAEMBAN_POSTGRES_IMAGE:-localhost/faemban-postgres:latest}"
    export FAEMBAN_GATEWAY_IMAGE="${FAEMBAN_GATEWAY_IMAGE:-localhost/faemban-gateway:latest}"
    export FAEMBAN_IMAGE_PREFIX="${FAEMBAN_IMAGE_PREFIX:-localhost/faemban}"
    # always through the build: the layer cache makes it seconds, and the stack never
    # runs images older than the checkout (FAEMBAN_SKIP_IMAGES=1 to run what is there)
    [ -n "${FAEMBAN_SKIP_IMAGES:-}" ] || "$CONTAINERS_DIR/images.sh" >"$CACHE/containers/images.log" 2>&1 || {
      tail -40 "$CACHE/containers/images.log" >&2; log "images did not build (log: $CACHE/containers/images.log)"; exit 1; }
  fi
  # the development signing key's public half, readable by the services' user
  if [ ! -f "$FAEMBAN_KEYS_DIR/jwt-public.pem" ]; then
    "$ROOT/.venv/bin/python" -c "import sys; from pathlib import Path; from faemban_domain.platform.auth import ensure_dev_keypair; ensure_dev_keypair(Path(sys.argv[1]).parent)" "$FAEMBAN_KEYS_DIR"
  fi
  chmod 755 "$FAEMBAN_KEYS_DIR"; chmod 644 "$FAEMBAN_KEYS_DIR/jwt-public.pem"
  kafka_passwords
  if [ "$ENGINE" = docker ]; then
    compose up -d --wait
  else
    compose up -d --no-build "${INFRA_SERVICES[@]}" >/dev/null
    wait_healthy 180 "${INFRA_SERVICES[@]}"
    log "kafka and postgres healthy after $(( SECONDS - start )) s"
    # the services' principals and ACLs (one-shot; the services wait for their credentials)
    compose up -d --no-build kafka-setup >/dev/null
    if [ "$("$ENGINE" wait "$(container kafka-setup)")" != 0 ]; then
      "$ENGINE" logs "$(container kafka-setup)" >&2 || true; log "kafka-setup failed"; exit 1
    fi
    log "kafka principals and ACLs in place after $(( SECONDS - start )) s"
    compose up -d --no-build "${APP_SERVICES[@]}" >/dev/null
    wait_healthy 240 "${APP_SERVICES[@]}"
    compose up -d --no-build gateway >/dev/null
    wait_healthy 60 gateway
  fi
  log "stack '$PROJECT' up in $(( SECONDS - start )) s: gateway http://127.0.0.1:${FAEMBAN_GATEWAY_PORT:-18080}"
}

case "${1:-}" in
  up) up ;;
  down) shift; compose down "$@" >/dev/null; log "stack '$PROJECT' down" ;;
  kafka-env)  # the administrator's client settings for the stack's Kafka on the loopback port
    kafka_passwords
    echo "export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:${FAEMBAN_KAFKA_HOST_PORT:-18092}"
    echo "export KAFKA_SASL_USERNAME=admin KAFKA_SASL_MECHANISM=PLAIN"
    echo "export KAFKA_SASL_PASSWORD=$FAEMBAN_KAFKA_ADMIN_PASSWORD"
    env | grep '^FAEMBAN_KAFKA_PASSWORD_' | sed 's/^/export /' ;;
  ps) compose ps ;;
  logs) shift; compose logs "$@" ;;
  *) echo "usage: $0 up|down [--volumes]|ps|logs SERVICE|kafka-env" >&2; exit 2 ;;
esac
