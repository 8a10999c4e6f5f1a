#!/usr/bin/env bash
# Build the sample repositories from samples/history/<name>/NN-<slug>/ and write one git bundle per
# repository (all refs) to OUT_DIR (default: samples/repos), named <owner>__<name>.bundle.
#
# Each step directory is one commit: files/ is copied over the work tree, the optional `delete`
# file lists paths to remove, `message` is the commit message, and the optional `tag` file holds
# "<tag> [annotated]". Names, e-mails, dates, branch name and git configuration are fixed, so the
# commit shas are the same on every machine and every run.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:-$HERE/repos}
OWNER=swegym-samples
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Nothing from the user's or the system's git configuration may change the objects.
export HOME=$WORK/home GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="Dana Maintainer" GIT_AUTHOR_EMAIL="dana@swegym-samples.invalid"
export GIT_COMMITTER_NAME="Dana Maintainer" GIT_COMMITTER_EMAIL="dana@swegym-samples.invalid"
export TZ=UTC LC_ALL=C
umask 022

build_repo() {
  local name=$1 start=$2 repo=$WORK/$1 n=0 step date tag kind
  git init -q -b main "$repo"
  for step in "$HERE/history/$name"/[0-9][0-9]-*/; do
    n=$((n + 1))
    if [ -d "$step/files" ]; then cp -R "$step/files/." "$repo/"; fi
    if [ -f "$step/delete" ]; then
      while read -r path; do [ -n "$path" ] && git -C "$repo" rm -q -- "$path"; done < "$step/delete"
    fi
    # One commit every 26 hours from the repository's start date.
    date="$((start + n * 93600)) +0000"
    git -C "$repo" add -A
    GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date git -C "$repo" commit -q -F "$step/message"
    if [ -f "$step/tag" ]; then
      read -r tag kind < "$step/tag"
      if [ "${kind:-}" = annotated ]; then
        GIT_COMMITTER_DATE=$date git -C "$repo" tag -a "$tag" -m "$name $tag"
      else
        git -C "$repo" tag "$tag"
      fi
    fi
  done
  rm -f "$OUT/${OWNER}__$name.bundle"
  git -C "$repo" bundle create -q "$OUT/${OWNER}__$name.bundle" --all
  echo "$OWNER/$name: $n commits, HEAD $(git -C "$repo" rev-parse HEAD), tags: $(git -C "$repo" tag | tr '\n' ' ')"
}

build_repo durations 1677628800 # 2023-03-01
build_repo ledger 1682985600    # 2023-05-02
