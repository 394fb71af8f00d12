#!/usr/bin/env bash
# npm run test:prometheus: promtool on monitoring/, then a real Prometheus scraping the local runner
# end to end. Needs `prometheus` and `promtool` (Debian's prometheus package). Bounded: every test
# and hook has a timeout, and the Prometheus it starts is killed after 10 minutes at the latest.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in promtool prometheus; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "test:prometheus needs \`$tool\` on PATH: install Debian's prometheus package, which provides both:" >&2
    echo "  sudo apt-get install -y prometheus" >&2
    exit 1
  fi
done
exec timeout --signal=TERM 900 npx vitest run --config vitest.prometheus.config.ts "$@"
