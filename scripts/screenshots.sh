#!/usr/bin/env bash
# Regenerates the README's screenshots (docs/screenshots/*.png): list and message views in light
# and dark, and the list on a phone, taken by e2e/tools/screenshots.js with Debian's chromium
# against a debug Letterbox and a private rig (the same set-up as scripts/e2e.sh, which it runs;
# root needed for the rig). A picture is only rewritten when it really changed.
#
# Usage: bash scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec bash scripts/e2e.sh e2e/tools/screenshots.js
