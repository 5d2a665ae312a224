#!/usr/bin/env bash
# Stops or starts only the Postfix of the rig in DIR (same config and ports), e.g. to test what
# happens to a message when the SMTP server is down.
#
# Usage: postfix.sh stop|start DIR
#   stop  — "postfix stop" on its own config, then waits until every process of its session is gone.
#   start — starts it again and waits until submission and smtps accept connections.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -eq 2 ] || { echo "usage: $RIG_PROG stop|start DIR" >&2; exit 2; }
ACTION=$1
DIR=$(cd "$2" && pwd -P)
[ -r "$DIR/rig.env" ] || { rig_err "error: no rig.env in $DIR (was start.sh run?)"; exit 1; }
# shellcheck disable=SC1091
source "$DIR/rig.env"

case "$ACTION" in
  stop)
    if pid=$(rig_postfix_pid "$DIR"); then
      postfix -c "$DIR/postfix" stop >>"$DIR/log/postfix.log" 2>&1 || kill -TERM "$pid" 2>/dev/null || true
      rig_wait_session_gone "$pid" 15
    fi ;;
  start)
    postfix -c "$DIR/postfix" start >>"$DIR/log/postfix.log" 2>&1 || { rig_log_tails "$DIR"; rig_err "error: postfix start failed"; exit 1; }
    rig_wait 30 "submission port $RIG_SMTP_PORT" rig_port_open "$RIG_SMTP_PORT" || { rig_err "error: Postfix did not come up"; exit 1; }
    rig_wait 30 "smtps port $RIG_SMTPS_PORT" rig_port_open "$RIG_SMTPS_PORT" || { rig_err "error: Postfix did not come up"; exit 1; } ;;
  *) echo "usage: $RIG_PROG stop|start DIR" >&2; exit 2 ;;
esac
