#!/usr/bin/env bash
# The end-to-end browser suite (e2e/): Playwright-core driving Debian's chromium against a debug
# Letterbox and a private Dovecot + Postfix rig. Installs what is missing (chromium, node/npm with
# apt-get; the pinned npm packages with npm ci), builds Letterbox, starts the rig and Letterbox on
# free loopback ports, runs `node --test`, and stops everything it started. Needs root (the rig).
#
# Usage: bash scripts/e2e.sh [TEST FILE...]   (default: every e2e/tests/*.test.js)
# Logs of the last run: e2e/artifacts/ (Letterbox's log, screenshots of failures).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- what the suite needs -------------------------------------------------------------------
# Never a downloaded browser: Debian's chromium.
chromium=${E2E_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "e2e: installing chromium (apt-get)" >&2
  apt_install chromium
fi
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if ! command -v node >/dev/null || ! command -v npm >/dev/null || [ "$(node_major)" -lt 18 ]; then
  echo "e2e: installing node and npm (apt-get)" >&2
  apt_install nodejs npm
fi
# npm ci only when the lock file changed since the last install.
if ! cmp -s e2e/package-lock.json e2e/node_modules/.e2e-installed-lock 2>/dev/null; then
  echo "e2e: npm ci" >&2
  (cd e2e && npm ci --no-audit --no-fund --loglevel=error >&2)
  cp e2e/package-lock.json e2e/node_modules/.e2e-installed-lock
fi
# The rig's Dovecot and Postfix (no-op when installed).
bash scripts/rig/install.sh

# --- Letterbox on its own rig ----------------------------------------------------------------
artifacts="$repo/e2e/artifacts"
rm -rf "$artifacts"
mkdir -p "$artifacts"
# shellcheck source=scripts/rig/serve.sh
source scripts/rig/serve.sh
lb_serve_up e2e "$artifacts/letterbox.log" || { echo "e2e: letterbox exited during start-up" >&2; exit 1; }
dir=$rig_dir
port=$lb_port

# --- the suite --------------------------------------------------------------------------------
if [ $# -gt 0 ]; then
  tests=()
  for t in "$@"; do tests+=("$(realpath "$t")"); done
else
  tests=("$repo"/e2e/tests/*.test.js)
fi
# node's spec reporter prints its summary and then recaps the failed (and the failed todo)
# tests; the awk moves the summary (the "ℹ tests N" block) to the very end of the output.
set +e
(
  cd e2e &&
  E2E_BASE_URL=http://127.0.0.1:$port E2E_RIG_DIR=$dir E2E_REPO_DIR=$repo E2E_CHROMIUM=$chromium \
  E2E_ARTIFACTS=$artifacts \
    node --test --test-reporter=spec "${tests[@]}" 2>&1
) | awk '
  /^ℹ tests [0-9]+$/ { held = 1 }
  held == 1 && /^ℹ / { summary = summary $0 "\n"; next }
  held == 1 { held = 2 }
  { print; fflush() }
  END { printf "%s", summary }'
rc=${PIPESTATUS[0]}
set -e
exit "$rc"
