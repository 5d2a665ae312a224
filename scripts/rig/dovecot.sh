#!/usr/bin/env bash
# Stops or starts only the Dovecot of the rig in DIR (same config and ports), e.g. to test reconnection.
#
# Usage: dovecot.sh stop|start DIR
#   stop  — kills it by the PID in its master.pid and waits until all its processes are gone.
#   start — starts it again and waits until IMAP, IMAPS and LMTP accept connections.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -eq 2 ] || { echo "usage: $RIG_PROG stop|start DIR" >&2; exit 2; }
ACTION=$1
DIR=$(cd "$2" && pwd -P)
[ -r "$DIR/rig.env" ] || { rig_err "error: no rig.env in $DIR (was start.sh run?)"; exit 1; }
# shellcheck disable=SC1091
source "$DIR/rig.env"

case "$ACTION" in
  stop) rig_dovecot_stop "$DIR" ;;
  start)
    if ! rig_dovecot_start "$DIR" "$RIG_IMAP_PORT" "$RIG_IMAPS_PORT" "$RIG_LMTP_PORT"; then
      rig_log_tails "$DIR"
      rig_err "error: Dovecot of $DIR did not come up (log: $DIR/log/dovecot.log)"
      exit 1
    fi ;;
  *) echo "usage: $RIG_PROG stop|start DIR" >&2; exit 2 ;;
esac
