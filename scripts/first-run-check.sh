#!/usr/bin/env bash
# A new user's first run, measured for real: a private dockerd with an empty data root (no image at all, as on a
# fresh machine) runs `bash scripts/start.sh verify --predictions gold` (README quick start). Prints how many lines
# came before the verdict table and how long it took, and fails when there were 40 or more (issue: a quiet first run).
# Needs root and dockerd (scripts/lib/docker.sh installs it). Leaves nothing behind.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LIMIT="${SWEGYM_FIRST_RUN_LINE_LIMIT:-40}"
work=$(mktemp -d /tmp/swegym-first-run.XXXXXX)
sock="$work/docker.sock"
cleanup() {
  # Wait for the private dockerd to exit (it unmounts its data root), not a fixed time: removing the root under a
  # running engine leaves busy mounts behind on a slow machine.
  if [ -f "$work/docker.pid" ]; then
    local pid; pid=$(cat "$work/docker.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT
dockerd --bridge=none --iptables=false --ip-forward=false --host "unix://$sock" --data-root "$work/data" \
  --exec-root "$work/exec" --pidfile "$work/docker.pid" >"$work/dockerd.log" 2>&1 &
for _ in $(seq 1 120); do DOCKER_HOST="unix://$sock" docker info >/dev/null 2>&1 && break; sleep 1; done
DOCKER_HOST="unix://$sock" docker info >/dev/null 2>&1 || { echo "first-run: the private dockerd did not start:"; tail -20 "$work/dockerd.log"; exit 1; }
start=$SECONDS
rc=0
# --report: start.sh runs from the repository root, where the run summary would otherwise land (and be committed).
(cd "$work" && DOCKER_HOST="unix://$sock" bash "$ROOT/scripts/start.sh" verify --predictions gold --run-id first-run --report "$work/gold.first-run.json") >"$work/out.txt" 2>&1 || rc=$?
took=$((SECONDS - start))
lines=$(awk '/^Total instances:/{exit} {n++} END{print n+0}' "$work/out.txt")
echo "first-run: exit $rc, $lines line(s) before the verdict table (limit $((LIMIT - 1))), ${took} s on an engine with no images"
if [ "$rc" != 0 ] || [ "$lines" -ge "$LIMIT" ] || [ "${SWEGYM_FIRST_RUN_SHOW:-0}" = 1 ]; then sed 's/^/  | /' "$work/out.txt"; fi
[ "$rc" = 0 ] && [ "$lines" -lt "$LIMIT" ]
