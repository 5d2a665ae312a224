# Shared helpers for the mail test rig scripts (sourced, not run).
# shellcheck shell=bash
# shellcheck disable=SC2034  # RIG_SCRIPTS, RIG_MAIL_USER are used by the scripts that source this

RIG_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# dovecot, postfix and runuser live in /usr/sbin, which not every PATH has.
export PATH="$PATH:/usr/sbin:/sbin"
RIG_PROG="$(basename "$0")"

# The system user that owns every rig's Maildirs. Dovecot refuses uid 0, so mail cannot be
# owned by root; one shared system user is enough for any number of rigs.
RIG_MAIL_USER=letterbox-mail

rig_err() { echo "$RIG_PROG: $*" >&2; }

# Print the last lines of every log of the rig in DIR (to stderr), for failure reports.
rig_log_tails() {
  local dir=$1 f
  for f in "$dir"/log/*.log; do
    [ -s "$f" ] || continue
    echo "----- last lines of $f -----" >&2
    tail -n 25 "$f" >&2
  done
}

# Does 127.0.0.1:PORT accept a TCP connection? (bash /dev/tcp; refused at once on loopback)
rig_port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# rig_wait SECONDS DESCRIPTION COMMAND... : poll COMMAND every 0.1 s until it succeeds.
rig_wait() {
  local secs=$1 what=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      rig_err "timed out after ${secs}s waiting for $what"
      return 1
    fi
    sleep 0.1
  done
}

# Is PID a live process? A zombie is not: after a stop, the dead masters stay zombies for about
# a second until PID 1 of this VM reaps them, and kill -0 would still succeed on them.
rig_pid_alive() {
  local s
  [ -n "${1:-}" ] && { read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
  s=${s##*) }
  [ "${s:0:1}" != Z ]
}

# PID stored in FILE, if the file exists and names a live process.
rig_pid_from_file() {
  local f=$1 pid
  [ -r "$f" ] || return 1
  pid=$(tr -dc '0-9' <"$f")
  rig_pid_alive "$pid" || return 1
  echo "$pid"
}

# Is PID a process whose command line contains TEXT (e.g. our dovecot.conf path)? Guards against
# a stale pid file naming a PID that the kernel has since given to an unrelated process.
rig_pid_cmdline_has() {
  local pid=$1 text=$2 c
  c=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $c == *"$text"* ]]
}

# Is PID a Postfix master of config dir CONF? Its command line ("master -w") names no directory,
# but postfix(1) exports MAIL_CONFIG=CONF to it.
rig_pid_is_postfix_master() {
  local pid=$1 conf=$2 comm e
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) && [ "$comm" = master ] || return 1
  e=$(tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null) || return 1
  [[ $'\n'$e$'\n' == *$'\n'"MAIL_CONFIG=$conf"$'\n'* ]]
}

# PID of the running Dovecot master of the rig in DIR (fails if none).
rig_dovecot_pid() {
  local pid
  pid=$(rig_pid_from_file "$(rig_dovecot_base_dir "$1")/master.pid") &&
    rig_pid_cmdline_has "$pid" "$1/dovecot.conf" && echo "$pid"
}

# PID of the running Postfix master of the rig in DIR (fails if none).
rig_postfix_pid() {
  local pid
  pid=$(rig_pid_from_file "$1/postfix-queue/pid/master.pid") &&
    rig_pid_is_postfix_master "$pid" "$1/postfix" && echo "$pid"
}

# PIDs of every live process in session SID. Both Dovecot's and Postfix's master call setsid(),
# so "session == master PID" names exactly the processes that one master started, without ever
# matching processes by name (other rigs or a system instance have other sessions). Zombies
# (state Z) are skipped: they are already dead and only wait for init to reap them.
rig_session_pids() {
  local sid=$1 f s rest
  for f in /proc/[0-9]*/stat; do
    { read -r s <"$f"; } 2>/dev/null || continue   # builtin read: no fork per process
    rest=${s##*) }   # skip "pid (comm) ": comm may contain spaces
    # shellcheck disable=SC2086
    set -- $rest     # state ppid pgrp session ...
    if [ "${4:-}" = "$sid" ] && [ "$1" != Z ]; then
      f=${f#/proc/}; echo "${f%/stat}"
    fi
  done
}

# Wait up to SECS for session SID to be empty; then SIGTERM what is left (by PID), and after
# 5 s more SIGKILL. Returns 1 only if processes survive even that.
rig_wait_session_gone() {
  local sid=$1 secs=$2 deadline pids sig=TERM
  deadline=$((SECONDS + secs))
  while pids=$(rig_session_pids "$sid") && [ -n "$pids" ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      if [ "$sig" = none ]; then
        rig_err "processes of session $sid survive SIGKILL: ${pids//$'\n'/ }"
        return 1
      fi
      rig_err "processes of session $sid still alive, sending SIG$sig: ${pids//$'\n'/ }"
      # shellcheck disable=SC2086
      kill -$sig $pids 2>/dev/null || true
      if [ "$sig" = TERM ]; then sig=KILL; else sig=none; fi
      deadline=$((SECONDS + 5))
    fi
    sleep 0.1
  done
}

# Dovecot's master.pid and auth socket live in its private base_dir.
rig_dovecot_base_dir() { echo "$1/run"; }

# Start the rig's Dovecot from DIR/dovecot.conf and wait until it really serves:
# the listeners come up before master.pid and the auth sockets exist, so wait for all.
rig_dovecot_start() {
  local dir=$1 imap=$2 imaps=$3 lmtp=$4 base old
  base=$(rig_dovecot_base_dir "$dir")
  if old=$(rig_dovecot_pid "$dir"); then
    rig_err "Dovecot of $dir is already running (pid $old)"
    return 1
  fi
  rm -f "$base/master.pid"
  dovecot -c "$dir/dovecot.conf" 2>>"$dir/log/dovecot.log" || {
    rig_err "dovecot -c $dir/dovecot.conf failed to start"; return 1; }
  rig_wait 30 "Dovecot master.pid" test -s "$base/master.pid" &&
  rig_wait 30 "Dovecot auth socket $base/auth-postfix" test -S "$base/auth-postfix" &&
  rig_wait 30 "Dovecot auth-userdb socket" test -S "$base/auth-userdb" &&
  rig_wait 30 "IMAP port $imap" rig_port_open "$imap" &&
  rig_wait 30 "IMAPS port $imaps" rig_port_open "$imaps" &&
  rig_wait 30 "LMTP port $lmtp" rig_port_open "$lmtp"
}

# Stop the rig's Dovecot (by the PID in its own master.pid) and wait for all its children.
rig_dovecot_stop() {
  local dir=$1 pid
  pid=$(rig_dovecot_pid "$dir") || { rm -f "$(rig_dovecot_base_dir "$dir")/master.pid"; return 0; }
  # SIGTERM to the master alone is slow and may hang: it waits ~2.5 s for its children, and its
  # auth process stays alive as long as a client (Postfix's smtpd) keeps its socket open. So
  # signal every process of its session at once; that takes about 0.1 s.
  kill -TERM "$pid" 2>/dev/null || true
  # shellcheck disable=SC2046
  kill -TERM $(rig_session_pids "$pid") 2>/dev/null || true
  rig_wait_session_gone "$pid" 10 || return 1
  rm -f "$(rig_dovecot_base_dir "$dir")/master.pid"
}
