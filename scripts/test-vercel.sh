#!/usr/bin/env bash
# npm run test:vercel: `vercel build` (the pinned Vercel CLI) on a clean copy of the project, offline,
# then the built output is checked and every built function is called in plain node against a real
# Postgres (tests/vercel). The CLI is installed outside the project, in a cache folder reused across
# runs: `vercel build` runs `npm install` in the project it builds and would remove a CLI installed there.
set -euo pipefail
cd "$(dirname "$0")/.."
VERCEL_CLI_VERSION=60.1.3
cli_dir="${PRICING_SYNC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pricing-sync}/vercel-cli-$VERCEL_CLI_VERSION"
if [ ! -x "$cli_dir/node_modules/.bin/vercel" ]; then
  echo "installing vercel@$VERCEL_CLI_VERSION into $cli_dir"
  npm install --prefix "$cli_dir" --no-audit --no-fund --loglevel=error "vercel@$VERCEL_CLI_VERSION" >/dev/null
fi
export PRICING_SYNC_VERCEL_CLI="$cli_dir/node_modules/.bin/vercel"
exec timeout --signal=TERM 1800 npx vitest run --config vitest.vercel.config.ts "$@"
