# Sourced (not run) by scripts that need a private mail rig with a Letterbox on it (e2e.sh,
# fuzz-api.sh): one copy of building, starting, waiting and stopping.
#
# lb_serve_up NAME LOGFILE [VAR=value ...]
#   builds the debug binary (honouring CARGO_TARGET_DIR), starts a rig under /tmp/lbx-NAME.*,
#   starts Letterbox on a free loopback port with the extra environment, and waits for /healthz.
#   An EXIT trap stops both again (lb_serve_down). Sets rig_dir, lb_port, lb_base, letterbox_pid
#   and the RIG_* variables of rig.env. Returns 1 (after printing the log) if Letterbox dies.

lb_serve_down() {
  if [ -n "${letterbox_pid:-}" ]; then
    kill -TERM "$letterbox_pid" 2>/dev/null || true
    wait "$letterbox_pid" 2>/dev/null || true
  fi
  if [ -n "${rig_dir:-}" ]; then
    bash scripts/rig/stop.sh "$rig_dir" >/dev/null 2>&1 || true
    rm -rf "$rig_dir"
  fi
}

lb_serve_up() {
  local name=$1 log=$2
  shift 2
  local binary="${CARGO_TARGET_DIR:-target}/debug/letterbox"
  cargo build --locked --quiet --bin letterbox
  rig_dir=$(mktemp -d "/tmp/lbx-$name.XXXXXX")
  letterbox_pid=""
  trap lb_serve_down EXIT
  trap 'exit 130' INT TERM
  # The watchdog stops the rig even if the script is killed without running its trap.
  bash scripts/rig/start.sh "$rig_dir" --owner-pid $$ >/dev/null
  # shellcheck disable=SC1091
  source "$rig_dir/rig.env"
  lb_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  lb_base=http://127.0.0.1:$lb_port
  env LETTERBOX_LISTEN="127.0.0.1:$lb_port" \
    LETTERBOX_IMAP="imap://127.0.0.1:$RIG_IMAP_PORT" \
    LETTERBOX_SMTP="smtp://127.0.0.1:$RIG_SMTP_PORT" \
    LETTERBOX_CA_FILE="$RIG_CA_FILE" \
    LETTERBOX_DATA_DIR="$rig_dir/letterbox-data" \
    RUST_LOG="${RUST_LOG:-info}" \
    "$@" \
    "$binary" serve >"$log" 2>&1 &
  letterbox_pid=$!
  for _ in $(seq 1 100); do
    if curl -fsS "$lb_base/healthz" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$letterbox_pid" 2>/dev/null; then
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  curl -fsS "$lb_base/healthz" >/dev/null
}
