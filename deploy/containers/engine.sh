# The container engine the scripts use (sourced, not run): podman where it exists (with
# this folder's containers.conf), docker otherwise; FAEMBAN_CONTAINER_ENGINE overrides.
# Installs Debian's podman when neither is usable and we may (root or sudo).
CONTAINERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../local/common.sh
source "$CONTAINERS_DIR/../local/common.sh"

ensure_engine() {
  ENGINE="${FAEMBAN_CONTAINER_ENGINE:-}"
  if [ -z "$ENGINE" ]; then
    if command -v podman >/dev/null; then ENGINE=podman
    elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then ENGINE=docker
    else
      apt_install podman buildah runc fuse-overlayfs slirp4netns uidmap debootstrap
      ENGINE=podman
    fi
  fi
  if [ "$ENGINE" = podman ]; then
    export CONTAINERS_CONF="${CONTAINERS_CONF:-$CONTAINERS_DIR/containers.conf}"
    command -v runc >/dev/null || apt_install runc
    # A podman installed without its recommends lacks what the stack needs: CNI's dnsname
    # plugin (containers find each other by name: kafka, postgres) and catatonit (the pause
    # process of `podman play kube`'s pods).
    command -v catatonit >/dev/null || apt_install catatonit
    if [ "$(podman info --format '{{.Host.NetworkBackend}}' 2>/dev/null)" = cni ] \
      && [ ! -x /usr/lib/cni/dnsname ]; then
      apt_install golang-github-containernetworking-plugin-dnsname
    fi
  fi
  export ENGINE
}

# Build-time only: the host's CA bundle for HTTPS through a proxy only the host trusts
# (pip, Maven). Mounted into the build (podman), never copied into an image.
build_mounts() {
  if [ "$ENGINE" = podman ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    printf '%s\n' -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro
  fi
}

image_exists() { "$ENGINE" image inspect "$1" >/dev/null 2>&1; }

# docker format keeps HEALTHCHECK (OCI image format drops it)
build() { # tag context dockerfile [extra args…]
  local tag=$1 context=$2 file=$3; shift 3
  local fmt=()
  [ "$ENGINE" = podman ] && fmt=(--format docker)
  # shellcheck disable=SC2046
  "$ENGINE" build "${fmt[@]}" $(build_mounts) -t "$tag" -f "$file" "$@" "$context"
}
