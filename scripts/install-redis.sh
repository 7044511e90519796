#!/usr/bin/env bash
# Installs Debian's redis-server for the revocation tests against real Redis.
# Needs root (or passwordless sudo); without it the Redis tests are skipped,
# except under CI (or SIGNEDSESSION_REQUIRE_REDIS=1), where they fail.
# The tests start their own server on a free 127.0.0.1 port: the packaged
# service is not needed and is left as Debian leaves it.
set -u
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  echo "install-redis: not root; skipping redis-server (the Redis tests will skip)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends redis-server >/dev/null
