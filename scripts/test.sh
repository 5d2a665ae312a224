#!/usr/bin/env bash
# The whole test suite: installs the test mail servers if missing, then runs every test
# (unit tests, integration tests against a real Dovecot + Postfix, the OpenAPI validation, API
# fuzzing with Schemathesis, the browser suite).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Dovecot and Postfix from Debian's packages (needs root on a fresh machine; a no-op otherwise).
bash scripts/rig/install.sh

# Each integration test binary starts its own private rig (scripts/rig/start.sh) on free
# loopback ports and stops it when it exits.
cargo test --locked --all-targets

bash scripts/check-openapi.sh
bash scripts/fuzz-api.sh  # Schemathesis against a running Letterbox and its own rig
bash scripts/e2e.sh   # the browser suite (e2e/): Debian chromium + Playwright-core, its own rig
