#!/bin/sh
# nginx with the container's own resolver (nginx.conf resolves the services per request)
set -eu
ns="$(awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)"
case "$ns" in *:*) ns="[$ns]" ;; esac
echo "resolver ${ns:-127.0.0.11} valid=5s ipv6=off;" > /tmp/nginx-resolver.conf
exec nginx -g 'daemon off;'
