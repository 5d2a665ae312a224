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

rc=0
# Watchdog first, so it cannot start a second stop.sh meanwhile. When the watchdog itself runs
# us (it execs stop.sh once its owner is gone), its PID is our own: leave it.
if wd=$(rig_pid_from_file "$DIR/watchdog.pid") && [ "$wd" != "$$" ] &&
   rig_pid_cmdline_has "$wd" watchdog.sh; then
  # setsid made it a session leader; its session also holds its current "sleep 1".
  # shellcheck disable=SC2046
  kill -TERM $(rig_session_pids "$wd") 2>/dev/null || true
  rig_wait_session_gone "$wd" 5 || rc=1
fi
rm -f "$DIR/watchdog.pid"

# Postfix: "postfix stop" signals the master; then wait for every process of its session.
if pid=$(rig_postfix_pid "$DIR"); then
  postfix -c "$DIR/postfix" stop >>"$DIR/log/postfix.log" 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  rig_wait_session_gone "$pid" 15 || rc=1
fi

rig_dovecot_stop "$DIR" || rc=1
exit $rc
