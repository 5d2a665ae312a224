#!/usr/bin/env bash
# Installs Dovecot (IMAP+LMTP), Postfix and OpenSSL for the Letterbox mail test rig, only if missing.
set -euo pipefail
# dovecot and postfix live in /usr/sbin, which a non-root PATH often lacks.
export PATH="$PATH:/usr/sbin:/sbin"

missing=()
# The dovecot binary comes with dovecot-core; IMAP and LMTP are separate packages.
dpkg -s dovecot-imapd >/dev/null 2>&1 || missing+=(dovecot-imapd)
dpkg -s dovecot-lmtpd >/dev/null 2>&1 || missing+=(dovecot-lmtpd)
command -v dovecot >/dev/null 2>&1 || [ ${#missing[@]} -gt 0 ] || missing+=(dovecot-imapd)
command -v postfix >/dev/null 2>&1 || missing+=(postfix)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# start.sh picks free ports and fill.py writes Maildirs with python3.
command -v python3 >/dev/null 2>&1 || missing+=(python3)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: error: missing ${missing[*]} and not root; as root run: scripts/rig/install.sh" >&2
  exit 1
fi

echo "install.sh: installing ${missing[*]}" >&2
# Without the preseed, postfix's postinst asks a question; "No configuration" also leaves no
# /etc/postfix/main.cf, so no system-wide Postfix is ever configured or started.
debconf-set-selections <<'SEL'
postfix postfix/main_mailer_type select No configuration
postfix postfix/mailname string example.test
SEL
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install.sh: done" >&2
