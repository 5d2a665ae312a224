#!/usr/bin/env bash
# Starts a private Dovecot (IMAP/IMAPS/LMTP) + Postfix (submission/smtps) test mail server under DIR.
#
# Usage: start.sh DIR [--owner-pid PID]
# On success writes DIR/rig.env (KEY=value lines) and prints the same lines to stdout.
# Everything lives under DIR: config, TLS cert (DIR/ca.pem), Maildirs, queue, logs (DIR/log/).
# Several rigs (different DIRs) can run at once: each has its own Dovecot instance_name/base_dir,
# its own Postfix config_directory/queue_directory/data_directory and its own ports.
# Needs root: Postfix's master only starts as root, and Dovecot must switch to the mail uid.
set -Eeuo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $RIG_PROG DIR [--owner-pid PID]" >&2; exit 2; }

DIR=""
OWNER_PID=""
while [ $# -gt 0 ]; do
  case "$1" in
    --owner-pid) [ $# -ge 2 ] || usage; OWNER_PID=$2; shift 2 ;;
    --owner-pid=*) OWNER_PID=${1#*=}; shift ;;
    -h|--help) usage ;;
    -*) rig_err "unknown option $1"; usage ;;
    *) [ -z "$DIR" ] || usage; DIR=$1; shift ;;
  esac
done
[ -n "$DIR" ] || usage

if [ "$(id -u)" -ne 0 ]; then
  rig_err "error: must run as root (Postfix's master refuses to start otherwise)"
  exit 1
fi
if [ -n "$OWNER_PID" ] && ! rig_pid_alive "$OWNER_PID"; then
  rig_err "error: --owner-pid $OWNER_PID is not a running process"
  exit 1
fi

"$RIG_SCRIPTS/install.sh"

DIR=$(realpath -m "$DIR")
# Unix socket paths are limited to 107 bytes; the longest one Dovecot makes is
# DIR/run/token-login/imap-urlauth (DIR + 29).
if [ $(( ${#DIR} + 29 )) -gt 107 ]; then
  rig_err "error: DIR path too long for unix sockets (${#DIR} chars, at most 78): $DIR"
  exit 1
fi
mkdir -p "$DIR"
# mktemp -d makes 0700 dirs: then Dovecot's auth (user dovecot) cannot read the passwd-file and
# imap (the mail uid) cannot reach the Maildirs. Every directory above must be traversable too.
chmod 0755 "$DIR"
if ! runuser -u nobody -- test -x "$DIR" 2>/dev/null; then
  rig_err "error: $DIR is not reachable by other users (a parent directory lacks o+x); Dovecot's auth and imap processes could not read it"
  exit 1
fi

if rig_dovecot_pid "$DIR" >/dev/null || rig_postfix_pid "$DIR" >/dev/null; then
  rig_err "error: a rig is already running in $DIR (run stop.sh $DIR first)"
  exit 1
fi

# Any failure from here on: stop what was started, show the logs, one-line error last.
fail() {
  local msg=$1
  trap - ERR
  "$RIG_SCRIPTS/stop.sh" "$DIR" >/dev/null 2>&1 || true
  rig_log_tails "$DIR"
  rig_err "error: $msg (logs in $DIR/log)"
  exit 1
}
trap 'fail "command failed at line $LINENO: $BASH_COMMAND"' ERR

mkdir -p "$DIR/log" "$DIR/postfix"
rm -f "$DIR/rig.env" "$DIR/log/"*.log
touch "$DIR/log/dovecot.log" "$DIR/log/postfix.log"

# --- mail uid -------------------------------------------------------------------------------
# Dovecot refuses uid 0 and uids below first_valid_uid; a system user owns all the Maildirs and
# first_valid_uid = last_valid_uid = its uid. Two rigs starting at once may race to create it.
if ! id -u "$RIG_MAIL_USER" >/dev/null 2>&1; then
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$RIG_MAIL_USER" 2>/dev/null || id -u "$RIG_MAIL_USER" >/dev/null
fi
MAIL_UID=$(id -u "$RIG_MAIL_USER")
MAIL_GID=$(id -g "$RIG_MAIL_USER")

# --- ports ----------------------------------------------------------------------------------
# Chosen free at start, below the kernel's ephemeral range: a port from that range could be taken
# as the local port of some outgoing connection while Dovecot is stopped (dovecot.sh stop/start),
# and the restart would then fail to bind.
read -r IMAP_PORT IMAPS_PORT LMTP_PORT SMTP_PORT SMTPS_PORT < <(python3 - <<'PY'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
hi = low - 1 if low > 21000 else 32767
ports, held = [], []
while len(ports) < 5:
    p = random.randint(20000, hi)
    if p in ports:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        s.close()
        continue
    held.append(s)
    ports.append(p)
print(*ports)
PY
)

INSTANCE="letterbox-rig-$(printf %s "$DIR" | cksum | cut -d' ' -f1)"
BASE_DIR=$(rig_dovecot_base_dir "$DIR")
PF_CONF="$DIR/postfix"
PF_QUEUE="$DIR/postfix-queue"
PF_DATA="$DIR/postfix-data"

# --- TLS certificate --------------------------------------------------------------------------
# One self-signed certificate that clients trust directly as their CA file. It must say
# CA:FALSE: openssl req -x509 adds CA:TRUE by default, and rustls/webpki then rejects it as a
# server certificate (CaUsedAsEndEntity). OpenSSL-based clients accept it either way.
if [ ! -s "$DIR/ca.pem" ] || [ ! -s "$DIR/key.pem" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -keyout "$DIR/key.pem" -out "$DIR/ca.pem" -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -addext "basicConstraints=critical,CA:FALSE" \
    -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
    -addext "extendedKeyUsage=serverAuth" >/dev/null 2>&1
fi
chmod 0600 "$DIR/key.pem"
chmod 0644 "$DIR/ca.pem"

# --- users ----------------------------------------------------------------------------------
# passwd-file: user:{PLAIN}password:uid:gid::home  (read by Dovecot's auth as user dovecot)
mkdir -p "$DIR/mail"
chown "$MAIL_UID:$MAIL_GID" "$DIR/mail"
chmod 0755 "$DIR/mail"
: >"$DIR/users"
for up in alice:alice-secret-pw bob:bob-secret-pw demo:demo-pw sink:sink-pw; do
  u=${up%%:*}; pw=${up#*:}
  echo "$u@example.test:{PLAIN}$pw:$MAIL_UID:$MAIL_GID::$DIR/mail/example.test/$u" >>"$DIR/users"
done
chown root:dovecot "$DIR/users"
chmod 0640 "$DIR/users"

# --- Dovecot config ---------------------------------------------------------------------------
# Standalone: does not include /etc/dovecot, so a system instance is neither used nor touched.
cat >"$DIR/dovecot.conf" <<EOF
# Generated by scripts/rig/start.sh for the rig in $DIR
instance_name = $INSTANCE
base_dir = $BASE_DIR
state_dir = $DIR/state
listen = 127.0.0.1
protocols = imap lmtp
log_path = $DIR/log/dovecot.log
info_log_path = $DIR/log/dovecot.log
auth_verbose = yes

ssl = yes
ssl_cert = <$DIR/ca.pem
ssl_key = <$DIR/key.pem
ssl_dh = </usr/share/dovecot/dh.pem
ssl_min_protocol = TLSv1.2

# Dovecot refuses uids outside [first_valid_uid, last_valid_uid]; allow exactly the mail user.
first_valid_uid = $MAIL_UID
last_valid_uid = $MAIL_UID
first_valid_gid = $MAIL_GID
last_valid_gid = $MAIL_GID
mail_location = maildir:~/Maildir

auth_mechanisms = plain login
# RIG_USERNAME_FORMAT (optional, default %Lu = lower-cased) lets a test run a rig whose logins are
# case-sensitive (%u), so two users can differ only by case.
auth_username_format = ${RIG_USERNAME_FORMAT:-%Lu}
# Note: 127.0.0.1 counts as a secured connection, so plaintext LOGIN before STARTTLS still works
# on the IMAP port whatever this says (ssl = required does not change that either).
disable_plaintext_auth = yes
# After one failed login Dovecot would delay every later auth from 127.0.0.1 (all tests, and
# Postfix's SASL) by 2..15 s: no failure delay, and make the anvil penalty socket unconnectable.
auth_failure_delay = 0
# scripts/bench.py holds ~1,000 IMAP connections at once (200 users, their pooled connections and
# IDLE watchers). With STARTTLS each keeps an imap-login process (the TLS proxy) besides its imap
# process, and imap-login's default limit of 100 processes would make further logins wait (see
# service imap-login and service imap below). auth and anvil serve every imap-login process.
default_client_limit = 4000

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=${RIG_USERNAME_FORMAT:-%Lu} $DIR/users
}
userdb {
  driver = passwd-file
  args = username_format=${RIG_USERNAME_FORMAT:-%Lu} $DIR/users
}

# Hierarchy separator: Dovecot's default for Maildir++, "." (clients must read it from LIST).
namespace inbox {
  inbox = yes
  mailbox INBOX {
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
  mailbox Archive {
    special_use = \\Archive
    auto = subscribe
  }
}

protocol imap {
  # Tests open many connections for one user from one IP (default 10).
  mail_max_userip_connections = 50
  # RIG_IMAP_CAPABILITY (optional) replaces the advertised capabilities, so tests can check
  # the fallbacks for servers without SORT, MOVE and so on.
  ${RIG_IMAP_CAPABILITY:+imap_capability = $RIG_IMAP_CAPABILITY}
}
protocol lmtp {
  postmaster_address = postmaster@example.test
}

service imap-login {
  process_limit = 2000
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service imap {
  process_limit = 2000
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
service auth {
  # Postfix's smtpd (user postfix) authenticates SMTP AUTH through this socket.
  unix_listener auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service stats {
  # imap runs as the mail uid, which cannot reach the default 0660 stats-writer socket
  # (every session would log "Permission denied").
  unix_listener stats-writer {
    mode = 0666
  }
}
EOF

# --- Postfix config ---------------------------------------------------------------------------
mkdir -p "$PF_QUEUE" "$PF_DATA"
chmod 0755 "$PF_QUEUE"
# The master takes its lock in data_directory as user postfix.
chown postfix:postfix "$PF_DATA"
chmod 0700 "$PF_DATA"
# Every example.test recipient is accepted at RCPT time: tests add users to the passwd-file
# while the rig runs, and a fixed Postfix list would reject them. Dovecot's LMTP then refuses
# unknown users (550) and Postfix sends the sender a bounce, as a real server may.
echo '/@example\.test$/ OK' >"$PF_CONF/vmailbox.regexp"
# Every recipient outside example.test is rewritten to the sink user, so no mail ever leaves.
cat >"$PF_CONF/virtual_alias.regexp" <<'EOF'
/^postmaster@example\.test$/ sink@example.test
!/@example\.test$/ sink@example.test
EOF

cat >"$PF_CONF/main.cf" <<EOF
# Generated by scripts/rig/start.sh for the rig in $DIR
compatibility_level = 3.6
queue_directory = $PF_QUEUE
data_directory = $PF_DATA
syslog_name = postfix-$INSTANCE
# No syslog here, and errors go only to a tty: log into a file (postlogd, see master.cf).
# maillog_file must lie under one of maillog_file_prefixes or every command dies.
maillog_file = $DIR/log/postfix.log
maillog_file_prefixes = $DIR/log

myhostname = mail.example.test
mydomain = example.test
myorigin = example.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
biff = no
message_size_limit = 52428800
# Dovecot 2.3's LMTP does not offer SMTPUTF8: a message submitted with MAIL FROM ... SMTPUTF8
# would be accepted and then bounced (5.6.7). Not advertising it makes clients send plain
# 8BITMIME, which is delivered fine even with UTF-8 headers.
smtputf8_enable = no

virtual_mailbox_domains = example.test
virtual_mailbox_maps = regexp:$PF_CONF/vmailbox.regexp
virtual_transport = lmtp:inet:127.0.0.1:$LMTP_PORT
virtual_alias_maps = regexp:$PF_CONF/virtual_alias.regexp
# Defaults to \$virtual_alias_maps, which would make every local recipient
# "550 5.1.1 User unknown in virtual alias table".
virtual_alias_domains =
# Belt and braces: nothing may ever be sent to another host (there is no smtp client service).
default_transport = error:outbound mail disabled in the test rig
relay_transport = error:outbound mail disabled in the test rig
local_transport = error:local delivery disabled in the test rig
relayhost =
# Mail submitted while Dovecot is down (dovecot.sh stop) is deferred; retry within seconds,
# not the default 5 minutes, so a test can watch it arrive after dovecot.sh start.
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 20s
# An smtpd started while Dovecot is down dies ("no SASL authentication mechanisms"); if that
# happens before it served anyone, the master throttles the service for 60 s by default.
service_throttle_time = 2s

smtpd_tls_cert_file = $DIR/ca.pem
smtpd_tls_key_file = $DIR/key.pem
smtpd_tls_security_level = may
smtpd_tls_loglevel = 0
smtpd_sasl_type = dovecot
smtpd_sasl_path = $BASE_DIR/auth-postfix
smtpd_sasl_auth_enable = no
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
EOF

# Minimal master.cf: no port 25, no smtp client, nothing chrooted (a chroot would need copies of
# /etc files inside the queue dir), postlogd for maillog_file.
SUBMISSION_OPTS="
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
  -o milter_macro_daemon_name=ORIGINATING"
cat >"$PF_CONF/master.cf" <<EOF
# Generated by scripts/rig/start.sh for the rig in $DIR
# service type  private unpriv  chroot  wakeup  maxproc command
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
  -o syslog_name=postfix-$INSTANCE/submission
  -o smtpd_tls_security_level=encrypt$SUBMISSION_OPTS
127.0.0.1:$SMTPS_PORT inet n - n - - smtpd
  -o syslog_name=postfix-$INSTANCE/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt$SUBMISSION_OPTS
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF

# Postfix re-reads a config file written in the last 2 s ("pausing to let it cool down",
# 0.3 s at a time) in case it is still being edited: that alone cost ~1.8 s per start.
touch -d "@$(( $(date +%s) - 10 ))" "$PF_CONF"/*

# --- start Dovecot ----------------------------------------------------------------------------
# default_client_limit = 4000 wants that many open files; under a lower soft limit (sudo's 1024)
# Dovecot would warn at every start. Root may raise it.
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 4096 ]; then
  ulimit -Sn 4096 2>/dev/null || ulimit -n 4096 2>/dev/null || true
fi
rig_dovecot_start "$DIR" "$IMAP_PORT" "$IMAPS_PORT" "$LMTP_PORT" || fail "Dovecot did not come up"
# A real passdb lookup: catches an unreadable passwd-file now rather than at the first test login.
doveadm -c "$DIR/dovecot.conf" auth test sink@example.test sink-pw >/dev/null 2>&1 ||
  fail "Dovecot auth test failed (passwd-file $DIR/users not readable?)"

# --- start Postfix ----------------------------------------------------------------------------
# config_directory (-c) is kept apart from queue_directory. "postfix start" itself creates the
# queue subdirectories with the right owners (a separate "postfix check" would add 2.4 s).
# Its messages go to the maillog file.
rm -f "$PF_QUEUE/pid/master.pid"   # a stopped Postfix leaves it behind
postfix -c "$PF_CONF" start >>"$DIR/log/postfix.log" 2>&1 || fail "postfix start failed"
rig_wait 30 "Postfix master.pid" test -s "$PF_QUEUE/pid/master.pid" || fail "Postfix did not come up"
rig_wait 30 "submission port $SMTP_PORT" rig_port_open "$SMTP_PORT" || fail "Postfix did not come up"
rig_wait 30 "smtps port $SMTPS_PORT" rig_port_open "$SMTPS_PORT" || fail "Postfix did not come up"

# --- watchdog ---------------------------------------------------------------------------------
if [ -n "$OWNER_PID" ]; then
  rm -f "$DIR/watchdog.pid"
  # New session and no inherited stdio: it must never keep the caller's pipes open.
  setsid "$RIG_SCRIPTS/watchdog.sh" "$DIR" "$OWNER_PID" </dev/null >>"$DIR/log/watchdog.log" 2>&1 &
  rig_wait 10 "watchdog pid file" test -s "$DIR/watchdog.pid" || fail "watchdog did not start"
fi

trap - ERR
cat >"$DIR/rig.env.tmp" <<EOF
RIG_DIR=$DIR
RIG_HOST=127.0.0.1
RIG_IMAP_PORT=$IMAP_PORT
RIG_IMAPS_PORT=$IMAPS_PORT
RIG_LMTP_PORT=$LMTP_PORT
RIG_SMTP_PORT=$SMTP_PORT
RIG_SMTPS_PORT=$SMTPS_PORT
RIG_CA_FILE=$DIR/ca.pem
RIG_DOVECOT_CONF=$DIR/dovecot.conf
RIG_POSTFIX_CONF_DIR=$PF_CONF
RIG_MAIL_UID_USER=$RIG_MAIL_USER
RIG_DOMAIN=example.test
RIG_SINK_USER=sink@example.test
RIG_DOVECOT_LOG=$DIR/log/dovecot.log
RIG_POSTFIX_LOG=$DIR/log/postfix.log
EOF
mv "$DIR/rig.env.tmp" "$DIR/rig.env"
cat "$DIR/rig.env"
