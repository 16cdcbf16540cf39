#!/usr/bin/env bash
# PostgreSQL from Debian's packages, in the project's own data dir and port
# (never the system's default cluster). Usage: postgres.sh install|start|stop|status|url
set -euo pipefail
source "$(dirname "$0")/common.sh"
PGDIR="$INFRA/pg"
DATA="$PGDIR/data"
RUN="$PGDIR/run"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# PostgreSQL refuses to run as root: as root we run it as the 'postgres' user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install() {
  if [ -z "$(pg_bin)" ]; then apt_install postgresql; fi
  [ -n "$(pg_bin)" ] || { log "PostgreSQL binaries not found after install"; exit 1; }
  mkdir -p "$PGDIR" "$RUN"
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$PGDIR" "$RUN"
    # The server user must traverse the path down to its data dir.
    d="$PGDIR"; while [ "$d" != "/" ]; do chmod o+x "$d" 2>/dev/null || true; d="$(dirname "$d")"; done
  fi
  if [ ! -f "$DATA/PG_VERSION" ]; then
    log "initdb $DATA"
    as_pg "$(pg_bin)/initdb" -D "$DATA" -U faemban --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
}

# Checkpoints by time, not every ~1 GB of WAL: a national import writes ~16 KB of WAL a
# household, and each checkpoint makes the next change of every page log the whole page
# (ADR 0025; the compose stack's postgres runs with the same settings).
WAL_SETTINGS="-c max_wal_size=8GB -c checkpoint_timeout=15min"

running() { as_pg "$(pg_bin)/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

start() {
  install
  if running; then log "PostgreSQL already running on 127.0.0.1:$PG_PORT"; return; fi
  as_pg "$(pg_bin)/pg_ctl" -D "$DATA" -l "$PGDIR/postgres.log" -w -t 60 \
    -o "-p $PG_PORT -k $RUN -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB $WAL_SETTINGS" \
    start >/dev/null
  log "PostgreSQL $("$(pg_bin)/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
}

stop() {
  if [ -n "$(pg_bin)" ] && [ -f "$DATA/PG_VERSION" ] && running; then
    as_pg "$(pg_bin)/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    log "PostgreSQL stopped"
  fi
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) running && echo running || echo stopped ;;
  url) echo "postgresql+asyncpg://faemban@127.0.0.1:$PG_PORT" ;;
  *) echo "usage: $0 install|start|stop|status|url" >&2; exit 2 ;;
esac
