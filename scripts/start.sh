#!/usr/bin/env bash
# The main job on a fresh clone: set up what is missing (Node >= 22, npm dependencies, a Docker engine check,
# debootstrap for the offline base image), run swegym's cheap checks, then open the workbench on the bundled sample
# tasks. Any arguments are passed to swegym instead (e.g. `bash scripts/start.sh verify --predictions gold`).
# Setup output goes to .cache/logs/*.log; the terminal shows one line per step (and the log's tail on failure).
set -euo pipefail
source "$(dirname "$0")/lib/node.sh"
source "$ROOT/scripts/lib/docker.sh"
ensure_docker
ensure_debootstrap
cd "$ROOT"
# Cheap checks first (Node, engines, specs, sessions folder; no container start): a problem is named with its fix
# before anything long starts. Silent when everything is fine.
mkdir -p "$SWEGYM_SETUP_LOGS"
if ! node bin/swegym.js doctor --quick >"$SWEGYM_SETUP_LOGS/doctor.log" 2>&1; then
  grep -v '^✓' "$SWEGYM_SETUP_LOGS/doctor.log" >&2
  exit 1
fi
if [ $# -eq 0 ]; then exec node bin/swegym.js tui --dataset samples; fi
exec node bin/swegym.js "$@"
