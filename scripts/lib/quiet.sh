# Sourced: run a setup step with its output in a log file instead of the terminal. On a terminal a live line shows
# what is being done and for how long; otherwise one line when it starts. On success one line says so; on failure
# the last lines of the log and its path are printed, and the step's exit code is returned.
SWEGYM_SETUP_LOGS="${SWEGYM_SETUP_LOGS:-$ROOT/.cache/logs}"
quietly() {
  local label="$1" name="$2"; shift 2
  mkdir -p "$SWEGYM_SETUP_LOGS"
  local log="$SWEGYM_SETUP_LOGS/$name.log" start=$SECONDS rc=0
  if [ -t 2 ]; then
    "$@" >"$log" 2>&1 &
    local pid=$!
    while kill -0 "$pid" 2>/dev/null; do
      printf '\r\033[2K… %s  %ss' "$label" "$((SECONDS - start))" >&2
      sleep 1
    done
    wait "$pid" || rc=$?
    printf '\r\033[2K' >&2
  else
    echo "… $label" >&2
    "$@" >"$log" 2>&1 || rc=$?
  fi
  if [ "$rc" = 0 ]; then
    echo "✓ $label ($((SECONDS - start)) s)" >&2
  else
    echo "✗ $label failed (exit $rc); last lines of $log:" >&2
    tail -n 20 "$log" | sed 's/^/    /' >&2
  fi
  return "$rc"
}
