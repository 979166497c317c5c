#!/usr/bin/env bash
# Installs what the browser tests of web/ need: Debian's Chromium (with a
# font that has Chinese characters, for readable screenshots) and the
# axe-core accessibility checker (web/e2e/package-lock.json). Called by
# ./test.sh; exits non-zero when something could not be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'wenquanyi\|noto sans cjk'; then
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
    echo "chromium missing and not root: install Debian's chromium and fonts-wqy-microhei" >&2
    exit 1
  fi
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null
if ! command -v npm >/dev/null; then
  echo "npm missing: axe-core cannot be installed" >&2
  exit 1
fi
(cd web/e2e && { npm ci --no-audit --no-fund --silent || npm install --no-audit --no-fund --silent; })
test -f web/e2e/node_modules/axe-core/axe.min.js
echo "axe-core $(node -p 'require("./web/e2e/node_modules/axe-core/package.json").version')"
