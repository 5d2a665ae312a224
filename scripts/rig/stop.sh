#!/usr/bin/env bash
# Stops the test mail rig in DIR (watchdog, Postfix, Dovecot) and waits until its processes are gone.
#
# Usage: stop.sh DIR    — idempotent: a rig that is not (or only partly) running is fine.
# Only PIDs that this rig recorded are signalled, never processes found by name.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -eq 1 ] || { echo "usage: $RIG_PROG DIR" >&2; exit 2; }
DIR=$1
[ -d "$DIR" ] || exit 0
DIR=$(cd "$DIR" && pwd -P)

# Watchdog first, so it cannot start a second stop.sh meanwhile. When the watchdog itself runs
# us (it execs stop.sh once its owner is gone), its PID is our own: leave it.
if wd=$(rig_pid_from_file "$DIR/watchdog.pid") && [ "$wd" != "$$" ] &&
   rig_pid_cmdline_has "$wd" watchdog.sh; then
  kill -TERM "$wd" 2>/dev/null || true
  rig_wait_session_gone "$wd" 5   # setsid made it a session leader
fi
rm -f "$DIR/watchdog.pid"

# Postfix: "postfix stop" signals the master; then wait for every process of its session.
PF_CONF="$DIR/postfix"
if pid=$(rig_pid_from_file "$DIR/postfix-queue/pid/master.pid"); then
  if rig_pid_is_postfix_master "$pid" "$PF_CONF"; then
    postfix -c "$PF_CONF" stop >>"$DIR/log/postfix.log" 2>&1 || kill -TERM "$pid" 2>/dev/null || true
    rig_wait_session_gone "$pid" 15
  else
    rig_err "stale Postfix master.pid in $DIR (pid $pid is not this rig's master); not killing it"
  fi
fi

rig_dovecot_stop "$DIR"
