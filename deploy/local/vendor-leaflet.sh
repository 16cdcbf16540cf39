#!/usr/bin/env bash
# Vendor Leaflet from npm (never a CDN) into the registry's static folder, where /map serves it.
# The tarball is fetched once into .cache/npm and checked by npm against the registry's integrity.
set -euo pipefail
source "$(dirname "$0")/common.sh"
VERSION="${FAEMBAN_LEAFLET_VERSION:-1.9.4}"
DEST="$ROOT/services/registry/src/faemban_registry/entrypoints/static/vendor/leaflet"
if [ -f "$DEST/leaflet.js" ] && [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$VERSION" ]; then exit 0; fi
command -v npm >/dev/null || apt_install npm
work="$CACHE/npm"
mkdir -p "$work" "$DEST"
tarball="$work/leaflet-$VERSION.tgz"
if [ ! -f "$tarball" ]; then
  (cd "$work" && npm pack --silent --cache "$work/cache" "leaflet@$VERSION" >/dev/null)
fi
tmp="$(mktemp -d)"
tar -xzf "$tarball" -C "$tmp"
cp "$tmp/package/dist/leaflet.js" "$tmp/package/dist/leaflet.css" "$DEST/"
cp "$tmp/package/LICENSE" "$DEST/LICENSE" 2>/dev/null || true
echo "$VERSION" > "$DEST/VERSION"
rm -rf "$tmp"
log "Leaflet $VERSION vendored into ${DEST#$ROOT/}"
