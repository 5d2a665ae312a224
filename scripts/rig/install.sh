#!/usr/bin/env bash
# Installs Dovecot (IMAP+LMTP), Postfix and OpenSSL for the Letterbox mail test rig, only if missing.
set -euo pipefail

missing=()
command -v dovecot >/dev/null 2>&1 || missing+=(dovecot-imapd dovecot-lmtpd)
# dovecot-lmtpd may be absent even when the dovecot binary exists (core installed alone).
if command -v dovecot >/dev/null 2>&1 && ! dpkg -s dovecot-lmtpd >/dev/null 2>&1; then
  missing+=(dovecot-lmtpd)
fi
if command -v dovecot >/dev/null 2>&1 && ! dpkg -s dovecot-imapd >/dev/null 2>&1; then
  missing+=(dovecot-imapd)
fi
# postfix lives in /usr/sbin, which is not always on a non-root PATH.
command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ] || missing+=(postfix)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# start.sh picks free ports and fill.py writes Maildirs with python3.
command -v python3 >/dev/null 2>&1 || missing+=(python3)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: missing packages (${missing[*]}) and not root; run as root: apt-get install ${missing[*]}" >&2
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
