# Shared settings of the local infrastructure scripts (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${FAEMBAN_CACHE_DIR:-$ROOT/.cache}"
INFRA="$CACHE/infra"
PG_PORT="${FAEMBAN_PG_PORT:-55432}"
KAFKA_PORT="${FAEMBAN_KAFKA_PORT:-59092}"
KAFKA_CONTROLLER_PORT="${FAEMBAN_KAFKA_CONTROLLER_PORT:-59093}"
KAFKA_VERSION="${FAEMBAN_KAFKA_VERSION:-4.1.1}"
mkdir -p "$INFRA"

log() { printf '[infra] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to run: $*"; return 1; fi
}

apt_install() {
  log "installing Debian packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

wait_port() { # host port seconds
  local i
  for i in $(seq 1 $(( $3 * 5 ))); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && { exec 3>&- 3<&-; return 0; }
    sleep 0.2
  done
  return 1
}

# A random secret kept in FILE (mode 0600 in a 0700 folder), made on first use; prints it.
stored_secret() { # file
  if [ ! -s "$1" ]; then
    mkdir -p "$(dirname "$1")"; chmod 700 "$(dirname "$1")"
    (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$1")
  fi
  cat "$1"
}
