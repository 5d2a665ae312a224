#!/usr/bin/env bash
# Demo: starts a private mail rig with a demo user and a few hundred sample mails, then Letterbox
# against it, and prints the URL and the credentials. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

port=${DEMO_PORT:-8080}
dir=${DEMO_DIR:-/tmp/letterbox-demo}
bash scripts/rig/stop.sh "$dir" >/dev/null 2>&1 || true
rm -rf "$dir"
cargo build --release --locked
bash scripts/rig/start.sh "$dir" --owner-pid $$ >/dev/null
# shellcheck disable=SC1091
source "$dir/rig.env"
python3 scripts/rig/fill.py --dir "$dir" --user demo@example.test --count "${DEMO_MAILS:-300}" >/dev/null

cat <<TXT

  Letterbox demo:  http://127.0.0.1:$port/
  Log in as:       demo@example.test  /  demo-pw
  (also alice@example.test / alice-secret-pw and bob@example.test / bob-secret-pw)
  Mail server:     IMAP STARTTLS 127.0.0.1:$RIG_IMAP_PORT, SMTP submission 127.0.0.1:$RIG_SMTP_PORT

TXT
export LETTERBOX_LISTEN=127.0.0.1:$port
export LETTERBOX_IMAP=imap://127.0.0.1:$RIG_IMAP_PORT
export LETTERBOX_SMTP=smtp://127.0.0.1:$RIG_SMTP_PORT
export LETTERBOX_CA_FILE=$RIG_CA_FILE
export LETTERBOX_DATA_DIR=$dir/letterbox-data
trap 'bash scripts/rig/stop.sh "$dir" >/dev/null 2>&1 || true' EXIT
"${CARGO_TARGET_DIR:-target}/release/letterbox" serve
