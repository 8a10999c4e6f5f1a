#!/usr/bin/env bash
# The test suite: typecheck, unit, TUI, then the Docker-backed integration and end-to-end tests.
set -euo pipefail
source "$(dirname "$0")/lib/node.sh"
source "$ROOT/scripts/lib/docker.sh"
ensure_docker
ensure_debootstrap
cd "$ROOT"
if [ "${SWEGYM_STRICT_LEFTOVERS:-0}" = 1 ]; then
  # CI owns the engine: stopped containers left on a reused machine by processes of an earlier session are not ours.
  stale=$(docker ps -aq --filter label=io.swegym.managed)
  # `|| true`: a container the engine is already removing ("removal in progress") must not end the run here.
  if [ -n "$stale" ]; then docker rm -f $stale >/dev/null || true; echo "ci: removed $(echo "$stale" | wc -l) stale container(s) from before this run"; fi
fi
# The Docker-backed tests start from swegym-base:dev: built from Debian packages when missing (a fresh CI machine).
node --import tsx scripts/ensure-test-image.ts
echo "== typecheck"
npx tsc --noEmit -p .
shopt -s nullglob globstar
fast=(test/unit/**/*.test.ts test/tui/**/*.test.ts test/tui/**/*.test.tsx)
slow=(test/integration/**/*.test.ts test/e2e/**/*.test.ts)
# test/e2e/zz-no-leftovers.test.ts runs last and checks that the suite left no labelled container behind.
export SWEGYM_SUITE_START="${SWEGYM_SUITE_START:-$(date +%s)}"
echo "== tests: ${#fast[@]} unit/tui files, ${#slow[@]} integration/e2e files"
# One process runs the whole list so node's test runner prints a single summary; Docker tests run one file at a time.
exec node --import tsx --test --test-concurrency=1 --test-timeout=900000 "${fast[@]}" "${slow[@]}"
