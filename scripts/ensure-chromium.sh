#!/usr/bin/env bash
# ensure-chromium: the console's browser tests drive Debian's headless
# Chromium. When it is missing and we are root on Debian, install it;
# otherwise say what to do (the tests then fail, they never skip).
set -euo pipefail

if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium for the console's browser tests" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "chromium is not installed and cannot be installed here: install Debian's chromium package (the console's browser tests need it)" >&2
exit 1
