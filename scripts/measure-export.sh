#!/usr/bin/env bash
# Measures GET /api/v1/mailboxes/INBOX/export on a big folder: fills a fresh rig user's INBOX
# with N messages (scripts/rig/fill.py), exports it as mbox and as zip with a mail.read API token
# through Letterbox (debug build, as scripts/rig/serve.sh builds it), and prints wall time,
# bytes, messages and Letterbox's peak RSS (VmHWM) after each. Needs root (the rig).
#
# Usage: sudo bash scripts/measure-export.sh [N]     (default 100000)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
count=${1:-100000}
source scripts/rig/serve.sh
log=$(mktemp /tmp/lb-measure-export.XXXXXX.log)
lb_serve_up measure-export "$log"
user=measure@example.test
python3 - "$rig_dir" "$user" <<'PY'
import os, sys
rig, user = sys.argv[1], sys.argv[2]
path = os.path.join(rig, "users")
lines = open(path).read().splitlines()
fields = next(l for l in lines if l.startswith("alice@")).split(":")
fields[0], fields[1] = user, "{PLAIN}measure-pw"
fields[-1] = os.path.join(os.path.dirname(fields[-1]), "measure")
open(path, "a").write(":".join(fields) + "\n")
PY
start=$(date +%s.%N)
python3 scripts/rig/fill.py --dir "$rig_dir" --user "$user" --count "$count" >/dev/null
echo "filled $count messages in $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s"
session=$(curl -fsS -X POST "$lb_base/api/v1/session" -H 'content-type: application/json' \
  -d "{\"username\":\"$user\",\"password\":\"measure-pw\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
token=$(curl -fsS -X POST "$lb_base/api/v1/tokens" -H "authorization: Bearer $session" -H 'content-type: application/json' \
  -d '{"name":"measure","scopes":["mail.read"]}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
rss() { awk '/VmHWM|VmRSS/ {printf "%s %d MB  ", $1, $2/1024}' "/proc/$letterbox_pid/status"; echo; }
echo "before: $(rss)"
out=$(mktemp -d /tmp/lb-measure-out.XXXXXX)
for format in mbox zip; do
  curl -fsS -o "$out/INBOX.$format" -H "authorization: Bearer $token" \
    -w "$format: HTTP %{http_code}, %{size_download} bytes in %{time_total} s (first byte after %{time_starttransfer} s)\n" \
    "$lb_base/api/v1/mailboxes/INBOX/export?format=$format"
  echo "after $format: $(rss)"
done
echo "messages in the mbox: $(grep -c '^From ' "$out/INBOX.mbox")"
python3 -c "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print('entries in the zip:', len(z.namelist()))" "$out/INBOX.zip"
if [ -n "${EXAMPLE:-}" ]; then
  start=$(date +%s.%N)
  LETTERBOX_URL=$lb_base LETTERBOX_TOKEN=$token python3 examples/export_mailbox.py INBOX "$out/example" >/dev/null
  echo "examples/export_mailbox.py: $(ls "$out/example" | wc -l) files in $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s"
fi
rm -rf "$out"
