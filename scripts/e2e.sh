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

# --- Letterbox --------------------------------------------------------------------------------
target_dir=${CARGO_TARGET_DIR:-target}
cargo build --locked --quiet --bin letterbox
letterbox_bin="$target_dir/debug/letterbox"

dir=$(mktemp -d /tmp/lbx-e2e.XXXXXX)
letterbox_pid=""
artifacts="$repo/e2e/artifacts"
# shellcheck disable=SC2317  # (called by the trap)
cleanup() {
  if [ -n "$letterbox_pid" ]; then
    kill -TERM "$letterbox_pid" 2>/dev/null || true
    wait "$letterbox_pid" 2>/dev/null || true
  fi
  bash scripts/rig/stop.sh "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The watchdog stops the rig even if this script is killed without running its trap.
bash scripts/rig/start.sh "$dir" --owner-pid $$ >/dev/null
# shellcheck disable=SC1091
source "$dir/rig.env"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rm -rf "$artifacts"
mkdir -p "$artifacts"
LETTERBOX_LISTEN=127.0.0.1:$port \
LETTERBOX_IMAP=imap://127.0.0.1:$RIG_IMAP_PORT \
LETTERBOX_SMTP=smtp://127.0.0.1:$RIG_SMTP_PORT \
LETTERBOX_CA_FILE=$RIG_CA_FILE \
LETTERBOX_DATA_DIR=$dir/letterbox-data \
RUST_LOG=${RUST_LOG:-info} \
  "$letterbox_bin" serve >"$artifacts/letterbox.log" 2>&1 &
letterbox_pid=$!
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$letterbox_pid" 2>/dev/null; then
    cat "$artifacts/letterbox.log" >&2
    echo "e2e: letterbox exited during start-up" >&2
    exit 1
  fi
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null

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
