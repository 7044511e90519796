#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver for the real-browser test.
# Needs root (or passwordless sudo); without it the browser test is skipped,
# except under CI (or SIGNEDSESSION_REQUIRE_BROWSER=1), where it fails.
set -u
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  echo "install-browser: not root; skipping Chromium (the browser test will skip)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
