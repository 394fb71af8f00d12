#!/usr/bin/env bash
# npm run test:browser: the operator console in a real Chromium, end to end. Needs Debian's
# `chromium` (installed here when missing and run as root, as .ci/run does for prometheus) and the
# pinned playwright-core devDependency, which drives it through executablePath: no browser download.
# Screenshots of each view land in .data/screenshots/console/ (ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
  else
    echo "test:browser needs Debian's chromium on PATH:" >&2
    echo "  sudo apt-get install -y chromium" >&2
    exit 1
  fi
fi
# Debian's /usr/bin/chromium is a wrapper script; the browser itself is beside its libraries.
if [ -z "${CHROMIUM_PATH:-}" ]; then
  if [ -x /usr/lib/chromium/chromium ]; then CHROMIUM_PATH=/usr/lib/chromium/chromium; else CHROMIUM_PATH="$(command -v chromium)"; fi
fi
export CHROMIUM_PATH
exec timeout --signal=TERM 900 npx vitest run --config vitest.browser.config.ts "$@"
