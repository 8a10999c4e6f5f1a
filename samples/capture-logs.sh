#!/usr/bin/env bash
# Run every sample task's tests in containers from the base image, the way SWE-Gym derived
# FAIL_TO_PASS / PASS_TO_PASS: repository at base_commit, candidate patch (gold, none, or the
# wrong candidate) applied first, then the test patch (`git apply -v`), then `pytest -rA <test files>`.
# The test patch's apply output and the test output (stdout + stderr) are saved as real parser
# fixtures in test/fixtures/logs/<instance_id>.<variant>.log; the candidate's apply output is not
# part of the log (the harness writes it to run_instance.log).
#
# Usage: samples/capture-logs.sh            (needs the bundles from samples/build-repos.sh)
# Env:   SWEGYM_BASE_IMAGE (default swegym-base:dev)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
LOGS=$ROOT/test/fixtures/logs
IMAGE=${SWEGYM_BASE_IMAGE:-swegym-base:dev}
WORK=$(mktemp -d)
CONTAINER=""

cleanup() {
  if [ -n "$CONTAINER" ]; then docker rm -f "$CONTAINER" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$LOGS"

# Test directives as the harness builds them: paths from `diff --git a/.* b/(.*)` in the test
# patch, without data files.
test_directives() {
  sed -nE 's#^diff --git a/.* b/(.*)$#\1#p' "$1" |
    grep -vE '(\.json|\.png|csv|\.txt|\.md|\.jpg|\.jpeg|\.pkl|\.yml|\.yaml|\.toml)$' | tr '\n' ' '
}

# run_variant <task dir> <variant> <candidate patch or ""> <test command>
run_variant() {
  local dir=$1 variant=$2 candidate=$3 test_cmd=$4 id rc
  id=$(basename "$dir")
  rm -f "$dir/candidate.diff"
  if [ -n "$candidate" ]; then cp "$candidate" "$dir/candidate.diff"; fi
  CONTAINER="swegym-samples-capture-$$-$RANDOM"
  set +e
  tar -C "$dir" -c . | docker run -i --rm --name "$CONTAINER" --network none \
    --label io.swegym.managed=1 --memory 1g --pids-limit 256 \
    -e BASE="$(cat "$dir/base")" -e TEST_CMD="$test_cmd" "$IMAGE" bash -c '
      set -u
      mkdir /in && tar -x -C /in && mv /in/repo /testbed && cd /testbed || exit 90
      git -c advice.detachedHead=false checkout -q "$BASE" || exit 91
      if [ -f /in/candidate.diff ]; then git apply -v /in/candidate.diff >&2 || exit 92; fi
      exec 2>&1
      git apply -v /in/test_patch.diff || exit 93
      $TEST_CMD
      exit 0' > "$LOGS/$id.$variant.log"
  rc=$?
  set -e
  CONTAINER=""
  if [ "$rc" -ne 0 ]; then echo "$id $variant: container exited $rc" >&2; exit 1; fi
  echo "$id $variant: $(tail -n 1 "$LOGS/$id.$variant.log")"
}

for src in "$HERE"/tasks-src/*/; do
  id=$(basename "$src")              # swegym-samples__durations-12
  pr=${id##*-}
  bundle=$HERE/repos/${id%-*}.bundle
  dir=$WORK/$id
  mkdir -p "$dir"
  git clone -q "$bundle" "$dir/repo"
  # The fix is the commit whose subject names the pull request, the base commit its parent.
  fix=$(git -C "$dir/repo" log --all --format=%H --fixed-strings --grep="(#$pr)")
  if [ -z "$fix" ] || [ "$(echo "$fix" | wc -l)" -ne 1 ]; then echo "$id: no unique commit for (#$pr)" >&2; exit 1; fi
  git -C "$dir/repo" rev-parse "$fix^" > "$dir/base"
  git -C "$dir/repo" diff "$(cat "$dir/base")" "$fix" -- . ':(exclude)tests' > "$dir/patch.diff"
  git -C "$dir/repo" diff "$(cat "$dir/base")" "$fix" -- tests > "$dir/test_patch.diff"
  files=$(test_directives "$dir/test_patch.diff")

  run_variant "$dir" gold "$dir/patch.diff" "pytest -rA $files"
  run_variant "$dir" empty "" "pytest -rA $files"
  wrong=$HERE/candidates/$id.wrong.diff
  if [ -f "$wrong" ]; then run_variant "$dir" wrong "$wrong" "pytest -rA $files"; fi
  if [ "$id" = swegym-samples__durations-12 ]; then
    # The same runs through the test commands of pytest_v2-style repos and of pydantic.
    run_variant "$dir" gold.vv "$dir/patch.diff" "pytest -rA -vv $files"
    run_variant "$dir" gold.pydantic "$dir/patch.diff" \
      "pytest -rA --tb=short -vv -o console_output_style=classic --no-header $files"
    run_variant "$dir" empty.vv "" "pytest -rA -vv $files"
    run_variant "$dir" empty.pydantic "" \
      "pytest -rA --tb=short -vv -o console_output_style=classic --no-header $files"
  fi
done
