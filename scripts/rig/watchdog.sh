#!/usr/bin/env bash
# Internal to start.sh --owner-pid: runs stop.sh DIR once process PID is gone (polls every second).
#
# Usage: watchdog.sh DIR PID   (start.sh runs it under setsid with stdio on DIR/log/watchdog.log)
set -euo pipefail
DIR=$1
OWNER=$2
RIG_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# The owner's start time (field 22 of /proc/PID/stat) tells it apart from a later process that
# the kernel gives the same PID. A zombie (exited, not yet reaped by its parent) counts as gone.
starttime() {
  local s
  { read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  [ "$1" != Z ] || return 1
  echo "${20}"
}
OWNER_START=$(starttime "$OWNER") || OWNER_START=gone

echo $$ >"$DIR/watchdog.pid"
echo "$(date '+%F %T') watchdog $$: watching pid $OWNER"
while [ "$OWNER_START" != gone ] && [ "$(starttime "$OWNER" || echo gone)" = "$OWNER_START" ]; do
  sleep 1
done
echo "$(date '+%F %T') watchdog $$: pid $OWNER is gone, stopping the rig"
# exec: stop.sh keeps our PID, so it knows not to kill the watchdog (itself).
exec "$RIG_SCRIPTS/stop.sh" "$DIR"
