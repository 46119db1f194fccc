#!/usr/bin/env bash
# Makes sure Debian's `nginx-light` is installed: the no-sticky-sessions test
# (fastsio-redis/tests/no_sticky.rs) puts a round-robin nginx, started by the test itself on
# loopback ports, in front of three chat nodes. Needs root (or sudo-less apt) when it installs.
set -euo pipefail

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: 'nginx' is not installed and apt-get is not available to install it" >&2
  exit 2
fi

echo "ensure-nginx: installing Debian's nginx-light (apt-get)..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The package's own service is not wanted: the test runs nginx with its own config.
RUNLEVEL=1 apt-get install -y -qq nginx-light >&2
command -v service >/dev/null 2>&1 && service nginx stop >/dev/null 2>&1 || true

[ -x /usr/sbin/nginx ] || {
  echo "error: /usr/sbin/nginx is still missing after apt-get install" >&2
  exit 2
}
