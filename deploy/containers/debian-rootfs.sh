#!/usr/bin/env bash
# localhost/debian:bookworm from Debian's mirror (debootstrap), for machines that reach
# no image registry. Elsewhere the Dockerfiles' default bases (python:3.11-slim, …) apply.
set -euo pipefail
source "$(dirname "$0")/engine.sh"
ensure_engine
TAG="${1:-localhost/debian:bookworm}"
image_exists "$TAG" && { log "$TAG present"; exit 0; }
command -v debootstrap >/dev/null || apt_install debootstrap
MIRROR="${FAEMBAN_DEBIAN_MIRROR:-$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
ROOTFS="$(mktemp -d "${TMPDIR:-/tmp}/faemban-rootfs.XXXXXX")"
trap 'rm -rf "$ROOTFS"' EXIT
log "debootstrap bookworm from $MIRROR"
as_root debootstrap --variant=minbase --include=ca-certificates bookworm "$ROOTFS" "$MIRROR" >/dev/null
# an image needs no apt lists or caches; the sources list stays so images can apt-get
as_root rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb
as_root tar --numeric-owner -C "$ROOTFS" -c . | "$ENGINE" import - "$TAG" >/dev/null
log "$TAG imported"
