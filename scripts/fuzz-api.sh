#!/usr/bin/env bash
# Fuzzes the JSON API with Schemathesis, driven by the server's own OpenAPI document: builds a
# debug Letterbox, starts a private Dovecot + Postfix rig and Letterbox on free loopback ports,
# logs in a fresh rig user whose INBOX holds a few messages, and sends every operation generated
# requests (the document's examples, boundary values, then random valid and invalid input).
# Fails on any 5xx, on a status code, content type or body the document does not describe.
# Needs root (the rig). Installs Schemathesis from PyPI into target/fuzz-venv (pins in
# scripts/fuzz-requirements.txt).
#
# Usage: bash scripts/fuzz-api.sh
#   FUZZ_EXAMPLES=N  generated cases per operation in the fuzzing phase (default 40)
#   FUZZ_SEED=N      Hypothesis seed (default fixed, so a CI run is reproducible)
# Not fuzzed: DELETE /api/v1/session (it would revoke the token mid-run) and GET /api/v1/events
# (an endless event stream has no end to check; it gets a few direct checks below instead).
# Logs of the last run: target/fuzz-api/ (Letterbox's log, the JUnit report).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$(date +%s)
result() { echo "fuzz-api: $*"; }

# --- Schemathesis -----------------------------------------------------------------------------
# Pinned with all its dependencies; reinstalled only when the pins change.
venv=target/fuzz-venv
if ! cmp -s scripts/fuzz-requirements.txt "$venv/.installed-requirements" 2>/dev/null; then
  echo "fuzz-api: installing schemathesis into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/fuzz-requirements.txt
  cp scripts/fuzz-requirements.txt "$venv/.installed-requirements"
fi
# The rig's Dovecot and Postfix (no-op when installed).
bash scripts/rig/install.sh

# --- Letterbox and its rig --------------------------------------------------------------------
out=target/fuzz-api
rm -rf "$out"
mkdir -p "$out"
# shellcheck source=scripts/rig/serve.sh
source scripts/rig/serve.sh
# Rate limits out of the way, so the fuzzer's requests reach the handlers.
lb_serve_up fuzz "$out/letterbox.log" LETTERBOX_RATE_LIMIT_PER_MINUTE=1000000 LETTERBOX_TOKEN_RATE_LIMIT_PER_MINUTE=1000000 ||
  { result "FAIL (letterbox exited during start-up)"; exit 1; }
dir=$rig_dir
port=$lb_port
base=$lb_base

# A fresh rig user (like tests/common/mod.rs new_user) with 20 messages in its INBOX.
local_part="fuzz-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
username="$local_part@example.test"
password="pw-$local_part"
IFS=: read -r _ _ mail_uid mail_gid _ < "$dir/users"
echo "$username:{PLAIN}$password:$mail_uid:$mail_gid::$dir/mail/example.test/$local_part" >> "$dir/users"
# Dovecot re-reads its passwd-file at most once a second.
sleep 1.1
python3 scripts/rig/fill.py --dir "$dir" --user "$username" --count 20 >/dev/null
token=$(curl -fsS -X POST "$base/api/v1/session" -H 'content-type: application/json' \
  -d "{\"username\":\"$username\",\"password\":\"$password\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["accessToken"])')

# --- the event stream, by hand ----------------------------------------------------------------
failures=0
events_check() { # NAME EXPECTED-STATUS EXPECTED-CONTENT-TYPE-PREFIX CURL-ARGS...
  local name=$1 status=$2 type=$3
  shift 3
  local got
  got=$(curl -s -o "$out/events.body" -w '%{http_code} %{content_type}' --max-time 3 "$@" "$base/api/v1/events" || true)
  if [[ "$got" != "$status $type"* ]]; then
    echo "events: $name: expected $status $type, got \"$got\"" >&2
    failures=$((failures + 1))
  fi
}
events_check "with a token" 200 text/event-stream -H "authorization: Bearer $token"
grep -q '^event: ready' "$out/events.body" || { echo "events: no ready event" >&2; failures=$((failures + 1)); }
events_check "a junk Last-Event-ID" 200 text/event-stream -H "authorization: Bearer $token" -H 'last-event-id: ../%00x'
events_check "without a token" 401 application/problem+json
events_check "a bad token" 401 application/problem+json -H 'authorization: Bearer nope'

# --- Schemathesis -----------------------------------------------------------------------------
# Random ids only ever reach "not found": half the time, path ids come from the seeded user's
# real messages and mailboxes instead, so generated requests get to the code behind the lookup.
curl -fsS "$base/api/v1/mailboxes/INBOX/messages?limit=10" -H "authorization: Bearer $token" > "$out/messages.json"
curl -fsS "$base/api/v1/mailboxes" -H "authorization: Bearer $token" > "$out/mailboxes.json"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
messages = [m["id"] for m in json.load(open(f"{out}/messages.json"))["items"]]
mailboxes = [m["id"] for m in json.load(open(f"{out}/mailboxes.json"))["items"]] + ["sent", "drafts", "trash"]
def values(items):
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"
with open(f"{out}/schemathesis.toml", "w") as f:
    f.write(f"""[dictionaries.messages]
values = {values(messages)}

[dictionaries.mailboxes]
values = {values(mailboxes)}

[[operations]]
include-path-regex = '^/api/v1/(messages|drafts)/\\{{id\\}}'
parameters = {{ "path.id" = {{ dictionary = "messages", probability = 0.5 }} }}

[[operations]]
include-path-regex = '^/api/v1/mailboxes/\\{{id\\}}'
parameters = {{ "path.id" = {{ dictionary = "mailboxes", probability = 0.5 }} }}
""")
PY

set +e
"$venv/bin/schemathesis" --config-file "$out/schemathesis.toml" run "$base/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --exclude-operation-id delete_session \
  --exclude-operation-id events \
  --phases examples,coverage,fuzzing \
  --max-examples "${FUZZ_EXAMPLES:-40}" \
  --seed "${FUZZ_SEED:-20261126}" \
  --generation-database none \
  --workers 2 \
  --request-timeout 60 \
  --suppress-health-check all \
  --report junit --report-junit-path "$out/junit.xml" \
  --no-color
rc=$?
set -e

elapsed=$(($(date +%s) - started))
if grep -q 'panicked' "$out/letterbox.log"; then
  grep -B2 -A5 'panicked' "$out/letterbox.log" | head -40 >&2
  failures=$((failures + 1))
fi
if [ "$rc" -ne 0 ] || [ "$failures" -ne 0 ]; then
  result "FAIL (schemathesis exit $rc, $failures other failures; Letterbox's log: $out/letterbox.log) in ${elapsed}s"
  exit 1
fi
result "PASS: no 5xx, every status, content type and body as documented (${elapsed}s)"
