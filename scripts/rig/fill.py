#!/usr/bin/env python3
# Fills a rig user's mailbox with N varied sample messages written straight into its Maildir.
"""Fills a rig user's mailbox with N realistic, varied sample messages, written straight into the Maildir.

Usage: fill.py --dir DIR --user demo@example.test --count N [--mailbox INBOX] [--seed S]

IMAP APPEND manages ~65 messages/s; writing Maildir files and letting Dovecot index them once
(doveadm mailbox status) does 100,000 in well under two minutes. Output is deterministic for a
given --seed (default 1) and count, apart from the unique file names. Run as root (the files are
chowned to the rig's mail uid user). Messages are in date order, so UIDs follow arrival dates.
"""
import argparse
import base64
import datetime
import email.utils
import os
import pwd
import random
import subprocess
import sys
import time

# Display names with non-ASCII characters are sent as RFC 2047 encoded words, both B and Q forms.
SENDERS = [
    ("Alice Martin", "alice@example.test"),
    ("Bob Smith", "bob@example.test"),
    ("GitHub", "noreply@github.example"),
    ("Newsletter Team", "news@letters.example"),
    ("Jörg Müller", "joerg.mueller@beispiel.example"),
    ("Ana García", "ana.garcia@correo.example"),
    ("Zoë Ørsted", "zoe@nordic.example"),
    ("李雷", "li.lei@mail.example"),
    ("Дмитрий Иванов", "dmitry@pochta.example"),
    ("Renée Dubois", "renee.dubois@courriel.example"),
    ("Søren Kierkegaard", "soren@filosofi.example"),
    ("Priya Sharma", "priya.sharma@work.example"),
    ("", "billing@shop.example"),
    ("O'Brien, Pat", "pat.obrien@irish.example"),
    ("Calendar", "calendar-noreply@cal.example"),
    ("Carlos \"Charlie\" Ruiz", "charlie@ruiz.example"),
    ("Mailer Daemon", "MAILER-DAEMON@relay.example"),
    ("Fatima Zahra", "fatima@souk.example"),
    ("田中 太郎", "tanaka@kaisha.example"),
    ("Łukasz Wójcik", "lukasz@poczta.example"),
]

SUBJECTS = [
    "Quarterly report draft",
    "Lunch on {day}?",
    "Your invoice #{num} is ready",
    "Meeting notes — {day}",
    "[letterbox] Issue #{num}: crash when opening large folder",
    "Café meeting ☕ tomorrow",
    "Résumé and cover letter",
    "Отчёт за квартал",
    "会议纪要 {num}",
    "Weekly newsletter: {num} things you missed",
    "Password reset requested",
    "Photos from the trip",
    "Re: budget {num}",
    "Fwd: contract for review",
    "Delivery Status Notification (Failure)",
    "Invitation: Planning session @ {day} 10:00",
    "A rather long subject line that goes on and on to test folding and truncation in "
    "the message list of the webmail client, number {num}",
    "Straße, Größe, Übergröße — umlauts in a subject",
    "¿Nos vemos el {day}?",
    "Build #{num} failed on main",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

WORDS = ("the of and to in is that for it as with was on be by this are from at or have an "
         "mail server folder message inbox draft reply thread attachment meeting report budget "
         "project deadline review build release schedule invoice customer weekend coffee "
         "über café naïve déjà façade smørrebrød").split()

ATTACHMENTS = [
    ("notes.txt", "text/plain", "Notes from the meeting\n- item one\n- item two\n- naïve café\n"),
    ("report-2024.csv", "text/csv", "month,revenue,cost\njan,100,80\nfeb,120,90\nmar,130,95\n"),
    ("Übersicht.txt", "text/plain", "Zusammenfassung: alles gut.\nGrüße\n"),
]

TZ_OFFSETS = [0, 60, 120, -300, -480, 330, 540]


def encode_word(text, rng):
    """RFC 2047 encoded word (B or Q) for non-ASCII text; ASCII text is returned unchanged."""
    if text.isascii():
        return text
    raw = text.encode("utf-8")
    if rng.random() < 0.5:
        return "=?UTF-8?B?" + base64.b64encode(raw).decode() + "?="
    q = []
    for b in raw:
        c = chr(b)
        if c == " ":
            q.append("_")
        elif c.isalnum() and b < 128:
            q.append(c)
        else:
            q.append("=%02X" % b)
    return "=?UTF-8?Q?" + "".join(q) + "?="


def address(name, addr, rng):
    if not name:
        return addr
    if name.isascii():
        if any(c in name for c in ',"()<>@;:.[]\\'):
            name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"{name} <{addr}>"
    return f"{encode_word(name, rng)} <{addr}>"


def paragraph(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    words[0] = words[0].capitalize()
    lines, line = [], ""
    for w in words:
        if len(line) + len(w) + 1 > 72:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    lines.append(line + ".")
    return "\n".join(lines)


def text_body(rng):
    return "\n\n".join(paragraph(rng, rng.randint(8, 60)) for _ in range(rng.randint(1, 4))) + \
        "\n\n-- \nSent from a test rig\n"


def html_body(text):
    paras = "".join(f"<p>{p.replace(chr(10), ' ')}</p>\n" for p in text.split("\n\n"))
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n"
            "<body style=\"font-family: sans-serif\">\n<h2>Hello!</h2>\n" + paras +
            "<p><a href=\"https://example.test/unsubscribe\">Unsubscribe</a></p>\n</body></html>\n")


def b64_lines(data):
    enc = base64.b64encode(data).decode()
    return "\n".join(enc[i:i + 76] for i in range(0, len(enc), 76))


def make_message(i, ts, rng, user, history, newest=False):
    """Returns (message bytes with LF line ends, maildir flags)."""
    sname, saddr = rng.choice(SENDERS)
    subject = rng.choice(SUBJECTS).format(day=rng.choice(DAYS), num=rng.randint(1, 9999))
    headers = []
    in_reply = None
    if history and rng.random() < 0.2:
        in_reply, orig_subject = rng.choice(history)
        subject = orig_subject if orig_subject.startswith("Re: ") else "Re: " + orig_subject
    tz = rng.choice(TZ_OFFSETS)
    date = email.utils.format_datetime(
        datetime.datetime.fromtimestamp(ts, datetime.timezone(datetime.timedelta(minutes=tz))))
    msgid = f"<{i}.{rng.getrandbits(48):012x}@{saddr.split('@')[1]}>"
    headers.append(f"Return-Path: <{saddr}>")
    headers.append(f"Delivered-To: {user}")
    headers.append(f"Date: {date}")
    headers.append(f"From: {address(sname, saddr, rng)}")
    headers.append(f"To: {address('Demo User' if rng.random() < 0.5 else '', user, rng)}")
    if rng.random() < 0.15:
        cname, caddr = rng.choice(SENDERS)
        headers.append(f"Cc: {address(cname, caddr, rng)}, carol@example.test")
    headers.append(f"Subject: {encode_word(subject, rng)}")
    headers.append(f"Message-ID: {msgid}")
    if in_reply:
        headers.append(f"In-Reply-To: {in_reply}")
        headers.append(f"References: {in_reply}")
    headers.append("MIME-Version: 1.0")
    if len(history) > 200:
        history.pop(rng.randrange(len(history)))
    history.append((msgid, subject))

    text = text_body(rng)
    kind = rng.random()
    if kind < 0.55:        # plain text, 8bit UTF-8
        headers.append("Content-Type: text/plain; charset=utf-8")
        headers.append("Content-Transfer-Encoding: 8bit")
        body = text
    elif kind < 0.75:      # HTML newsletter-style, with a text alternative
        b = f"alt-{rng.getrandbits(64):016x}"
        headers.append(f"Content-Type: multipart/alternative; boundary=\"{b}\"")
        body = (f"--{b}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
                f"{text}\n--{b}\nContent-Type: text/html; charset=utf-8\n"
                f"Content-Transfer-Encoding: 8bit\n\n{html_body(text)}\n--{b}--\n")
    elif kind < 0.80:      # HTML only, base64
        headers.append("Content-Type: text/html; charset=utf-8")
        headers.append("Content-Transfer-Encoding: base64")
        body = b64_lines(html_body(text).encode()) + "\n"
    else:                  # multipart/mixed with a small text attachment
        b = f"mix-{rng.getrandbits(64):016x}"
        fname, ctype, content = rng.choice(ATTACHMENTS)
        if fname.isascii():
            disp = f"attachment; filename=\"{fname}\""
            cparam = f"; name=\"{fname}\""
        else:   # RFC 2231 for the filename, as modern clients send it
            pct = "".join(c if c.isascii() and c.isalnum() or c in ".-_" else
                          "".join("%%%02X" % x for x in c.encode()) for c in fname)
            disp = f"attachment; filename*=utf-8''{pct}"
            cparam = f"; name=\"{encode_word(fname, rng)}\""
        headers.append(f"Content-Type: multipart/mixed; boundary=\"{b}\"")
        body = (f"This is a multi-part message in MIME format.\n\n--{b}\n"
                f"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{text}\n"
                f"--{b}\nContent-Type: {ctype}; charset=utf-8{cparam}\n"
                f"Content-Disposition: {disp}\nContent-Transfer-Encoding: base64\n\n"
                f"{b64_lines(content.encode())}\n--{b}--\n")

    # Flags: recent mail is often unread (the newest always, so any fill leaves some unread);
    # some flagged or answered. (Maildir's P "passed" flag has no IMAP equivalent in Dovecot.)
    age_days = (time.time() - ts) / 86400
    flags = []
    if rng.random() < 0.08:
        flags.append("F")
    if in_reply is None and rng.random() < 0.12:
        flags.append("R")
    if not newest and rng.random() >= (0.5 if age_days < 30 else 0.1):
        flags.append("S")
    msg = ("\n".join(headers) + "\n\n" + body).encode("utf-8")
    return msg, "".join(sorted(flags))


def doveadm(conf, *args, check=True):
    r = subprocess.run(["doveadm", "-c", conf, *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.exit(f"fill.py: error: doveadm {' '.join(args)} failed: {r.stderr.strip()}")
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", required=True, help="rig directory (with rig.env)")
    ap.add_argument("--user", required=True, help="e.g. demo@example.test")
    ap.add_argument("--count", required=True, type=int)
    ap.add_argument("--mailbox", default="INBOX")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    env = {}
    try:
        with open(os.path.join(a.dir, "rig.env")) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    env[k] = v
    except OSError as e:
        sys.exit(f"fill.py: error: cannot read rig.env in {a.dir}: {e}")
    conf = env["RIG_DOVECOT_CONF"]
    pw = pwd.getpwnam(env["RIG_MAIL_UID_USER"])
    uid, gid = pw.pw_uid, pw.pw_gid

    # Let Dovecot create the mailbox (and the user's Maildir) and tell where it lives, rather
    # than guessing the layout (maildir++: Maildir/.Name for folders, Maildir itself for INBOX).
    r = doveadm(conf, "mailbox", "status", "-u", a.user, "messages", a.mailbox, check=False)
    if r.returncode:
        if "Mailbox doesn't exist" not in r.stderr:
            sys.exit(f"fill.py: error: doveadm mailbox status failed (is the rig running?): {r.stderr.strip()}")
        doveadm(conf, "mailbox", "create", "-s", "-u", a.user, a.mailbox)
    path = doveadm(conf, "mailbox", "path", "-u", a.user, a.mailbox).stdout.strip()
    tmp, cur = os.path.join(path, "tmp"), os.path.join(path, "cur")
    if not os.path.isdir(cur):
        sys.exit(f"fill.py: error: {cur} does not exist")

    rng = random.Random(a.seed)
    now = time.time()
    span = 2 * 365 * 86400
    stamps = sorted(now - rng.random() * span for _ in range(a.count))
    history = []
    pid = os.getpid()
    tag = f"{rng.getrandbits(32):08x}"
    t0 = time.monotonic()
    for i, ts in enumerate(stamps):
        msg, flags = make_message(i, ts, rng, a.user, history, newest=(i == a.count - 1))
        size = len(msg)
        vsize = size + msg.count(b"\n")
        sec = int(ts)
        usec = int((ts - sec) * 1e6)
        # <unique>,S=<size>,W=<CRLF size>:2,<flags>. Without W= every new IMAP process would
        # stat/read the whole folder to learn message sizes. The unique part starts with the
        # message time, so Dovecot assigns UIDs in date order.
        base = f"{sec}.M{usec}P{pid}Q{i}R{tag}.letterbox,S={size},W={vsize}"
        tpath = os.path.join(tmp, base)
        fd = os.open(tpath, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, msg)
            os.fchown(fd, uid, gid)
            # Maildir's received date (INTERNALDATE) is the file's mtime.
            os.utime(fd, (ts, ts))
        finally:
            os.close(fd)
        os.rename(tpath, os.path.join(cur, f"{base}:2,{flags}"))
    t1 = time.monotonic()

    # One sync makes Dovecot assign UIDs and build the index for all new files.
    st = doveadm(conf, "mailbox", "status", "-u", a.user, "all", a.mailbox).stdout.strip()
    t2 = time.monotonic()
    print(f"fill.py: wrote {a.count} messages to {a.user} {a.mailbox} in {t1 - t0:.1f}s, "
          f"indexed in {t2 - t1:.1f}s", file=sys.stderr)
    print(st)


if __name__ == "__main__":
    main()
