#!/usr/bin/env bash
# The main job on a fresh clone: set up what is missing (Node >= 22, npm dependencies, a Docker engine check,
# debootstrap for the offline base image), then open the workbench on the bundled sample tasks.
# Any arguments are passed to swegym instead (e.g. `bash scripts/start.sh verify --predictions gold`).
set -euo pipefail
source "$(dirname "$0")/lib/node.sh"
source "$ROOT/scripts/lib/docker.sh"
ensure_docker
ensure_debootstrap
cd "$ROOT"
if [ $# -eq 0 ]; then exec node bin/swegym.js tui --dataset samples; fi
exec node bin/swegym.js "$@"
