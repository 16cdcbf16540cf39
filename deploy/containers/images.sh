#!/usr/bin/env bash
# make images: every image of the stack, built with podman (or docker).
#   images.sh            # local bases from Debian's mirror, then the five services + infra
#   images.sh --official # the Dockerfiles' defaults (python:3.11-slim; compose pulls the rest)
# Tags: faemban/<service>:latest (FAEMBAN_IMAGE_VERSION_TAG=1 adds :<git describe>; the
# version is always in the org.opencontainers.image.version label); localhost/faemban-
# {python,postgres,kafka,gateway}:latest. The layer cache makes a repeat run take seconds;
# untagged images older than a day are pruned, so repeated builds do not fill the disk.
set -euo pipefail
source "$(dirname "$0")/engine.sh"
ensure_engine
VERSION="$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo dev)"
SERVICES=(registry assessment planning assistance-log reporting)
OFFICIAL=""
[ "${1:-}" = --official ] && OFFICIAL=1
start=$SECONDS

if [ -z "$OFFICIAL" ]; then
  "$CONTAINERS_DIR/debian-rootfs.sh" localhost/debian:bookworm
  base=(--build-arg DEBIAN_IMAGE=localhost/debian:bookworm --build-arg "VERSION=$VERSION")
  log "image localhost/faemban-python"
  build localhost/faemban-python:latest "$CONTAINERS_DIR/python" "$CONTAINERS_DIR/python/Dockerfile" "${base[@]}"
  log "image localhost/faemban-postgres"
  build localhost/faemban-postgres:latest "$CONTAINERS_DIR/postgres" "$CONTAINERS_DIR/postgres/Dockerfile" "${base[@]}"
  # Kafka: this folder's files beside the jars deploy/local/kafka.sh fetched from Maven Central
  libs="$("$ROOT/deploy/local/kafka.sh" libs | tail -1)"
  context="$CACHE/containers/kafka-context"
  rm -rf "$context"; mkdir -p "$context"
  cp -a "$CONTAINERS_DIR/kafka/." "$context/"
  cp -a "$libs" "$context/libs"; rm -f "$context/libs/.complete"
  log "image localhost/faemban-kafka"
  build localhost/faemban-kafka:latest "$context" "$context/Dockerfile" "${base[@]}" \
    --build-arg "KAFKA_VERSION=$KAFKA_VERSION"
  log "image localhost/faemban-gateway"
  build localhost/faemban-gateway:latest "$ROOT/deploy" "$CONTAINERS_DIR/gateway/Dockerfile" "${base[@]}"
  service_base=(--build-arg BASE_IMAGE=localhost/faemban-python:latest)
else
  service_base=()
fi

for s in "${SERVICES[@]}"; do
  log "image faemban/$s ($VERSION)"
  tags=()
  [ -n "${FAEMBAN_IMAGE_VERSION_TAG:-}" ] && tags=(-t "faemban/$s:$VERSION")
  build "faemban/$s:latest" "$ROOT" "$ROOT/services/$s/Dockerfile" "${service_base[@]}" \
    --build-arg "VERSION=$VERSION" "${tags[@]+"${tags[@]}"}"
done
"$ENGINE" image prune -f --filter until=24h >/dev/null 2>&1 || true
log "images built in $(( SECONDS - start )) s:"
"$ENGINE" images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E 'faemban.*:latest' | sort >&2
