#!/usr/bin/env bash
# What the reports need from the machine, installed from Debian when missing:
#   a Thai TrueType font for PDF reports (fonts-tlwg-garuda-ttf), poppler-utils (pdftotext and
#   pdftoppm, which the tests use to read the PDFs back), chromium (the map page's browser test),
#   npm, and the map library (Leaflet from npm, copied into the registry's static folder for /map).
# Usage: deploy/local/report-tools.sh [all|fonts|leaflet]   (all by default; `make test` runs it)
set -euo pipefail
source "$(dirname "$0")/common.sh"

what="${1:-all}"
missing=()
if [ "$what" = all ] || [ "$what" = fonts ]; then
  [ -f /usr/share/fonts/truetype/tlwg/Garuda.ttf ] || missing+=(fonts-tlwg-garuda-ttf)
fi
if [ "$what" = all ]; then
  command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null || missing+=(poppler-utils)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v npm >/dev/null || missing+=(npm)
fi
if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi

if [ "$what" = all ] || [ "$what" = leaflet ]; then
  "$ROOT/deploy/local/vendor-leaflet.sh"
fi
