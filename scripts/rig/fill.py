#!/usr/bin/env python3
"""Fills a rig user's mailbox with varied sample messages, written straight into the Maildir.

Usage: fill.py --dir DIR --user USER@example.test --count N [--mailbox INBOX] [--seed S]

IMAP APPEND manages about 65 messages/s; writing Maildir files and letting doveadm index them
does 100,000 in well under a minute. Files are named `<unique>,S=<size>,W=<crlf size>:2,<flags>`:
without W= every new IMAP process would rescan the whole directory.
"""
import argparse
import email.utils
import os
import random
import subprocess
import sys
import time
from email.header import Header

SENDERS = [
    ("Ada Lovelace", "ada@analytical.example"),
    ("Grace Hopper", "grace@navy.example"),
    ("Jürgen Müller", "juergen@beispiel.example"),
    ("Zoë Ångström", "zoe@nordic.example"),
    ("李小龙", "bruce@hk.example"),
    ("GitHub", "noreply@github.example"),
    ("Newsletter Weekly", "news@letters.example"),
    ("", "plain-address@example.org"),
    ("Bank of Examples", "alerts@bank.example"),
    ("Carol O'Connor", "carol@irish.example"),
]
SUBJECTS = [
    "Quarterly report", "Lunch on Friday?", "Re: Project plan", "Your invoice #{n}",
    "Überweisung bestätigt", "Meeting notes {n}", "[list] Weekly digest", "Fwd: photos from the trip",
    "Build #{n} failed", "Welcome to Letterbox", "Grüße aus Köln", "会议安排 {n}", "",
    "A very long subject line that goes on and on to test how the list view truncates text {n}",
]
WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt "
         "ut labore et dolore magna aliqua mail letter post inbox reply forward archive").split()


def encode_name(name, addr):
    if not name:
        return addr
    if all(ord(c) < 128 for c in name):
        return email.utils.formataddr((name, addr))
    return f"{Header(name, 'utf-8').encode()} <{addr}>"


def encode_subject(subject):
    if all(ord(c) < 128 for c in subject):
        return subject
    return Header(subject, "utf-8").encode()


def body_text(rng, n):
    lines = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))) for _ in range(rng.randint(2, 8))]
    return f"Hello,\n\n" + "\n".join(lines) + f"\n\nMessage {n}.\n-- \nSample\n"


def make_message(rng, n, user, when):
    name, addr = rng.choice(SENDERS)
    subject = rng.choice(SUBJECTS).format(n=n)
    headers = [
        f"Return-Path: <{addr}>",
        f"From: {encode_name(name, addr)}",
        f"To: {user}",
        f"Subject: {encode_subject(subject)}" if subject else None,
        f"Date: {email.utils.formatdate(when, localtime=False)}",
        f"Message-ID: <fill-{n}-{rng.getrandbits(48):x}@example.test>",
        "MIME-Version: 1.0",
    ]
    text = body_text(rng, n)
    kind = rng.random()
    if kind < 0.6:
        headers += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
        body = text
    elif kind < 0.85:
        boundary = f"alt-{n}"
        html = "<html><body><p>" + text.replace("\n\n", "</p><p>").replace("\n", "<br>") + "</p></body></html>"
        headers.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
        body = (f"--{boundary}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{text}\n"
                f"--{boundary}\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{html}\n"
                f"--{boundary}--\n")
    else:
        boundary = f"mixed-{n}"
        attachment = "".join(f"row {i},{rng.randint(0, 999)}\n" for i in range(rng.randint(3, 30)))
        headers.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
        body = (f"--{boundary}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{text}\n"
                f"--{boundary}\nContent-Type: text/csv; name=\"data-{n}.csv\"\n"
                f"Content-Disposition: attachment; filename=\"data-{n}.csv\"\n\n{attachment}"
                f"--{boundary}--\n")
    message = "\n".join(h for h in headers if h) + "\n\n" + body
    return message.encode("utf-8")


def flags_for(rng):
    flags = ""
    if rng.random() < 0.15:
        flags += "F"  # flagged
    if rng.random() < 0.7:
        flags += "S"  # seen; the rest stays unread
    if "S" in flags and rng.random() < 0.2:
        flags = "R" + flags  # answered (maildir flags are sorted: F R S)
        flags = "".join(sorted(flags))
    return flags


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--mailbox", default="INBOX")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()

    env = dict(line.strip().split("=", 1) for line in open(os.path.join(args.dir, "rig.env")) if "=" in line)
    conf = env["RIG_DOVECOT_CONF"]
    # Dovecot knows where the user's mail lives; ask it instead of guessing the layout.
    home = subprocess.run(["doveadm", "-c", conf, "user", "-f", "home", args.user],
                          check=True, capture_output=True, text=True).stdout.strip()
    maildir = os.path.join(home, "Maildir")
    if args.mailbox.upper() != "INBOX":
        maildir = os.path.join(maildir, "." + args.mailbox)
    uid = subprocess.run(["id", "-u", env["RIG_MAIL_UID_USER"]], check=True, capture_output=True, text=True).stdout.strip()
    gid = subprocess.run(["id", "-g", env["RIG_MAIL_UID_USER"]], check=True, capture_output=True, text=True).stdout.strip()
    uid, gid = int(uid), int(gid)

    # Let Dovecot create the Maildir (and the folder) with its own layout and permissions.
    subprocess.run(["doveadm", "-c", conf, "mailbox", "status", "-u", args.user, "messages", args.mailbox],
                   check=False, capture_output=True)
    if args.mailbox.upper() != "INBOX" and not os.path.isdir(maildir):
        subprocess.run(["doveadm", "-c", conf, "mailbox", "create", "-u", args.user, args.mailbox],
                       check=True, capture_output=True)
    for sub in ("cur", "new", "tmp"):
        path = os.path.join(maildir, sub)
        os.makedirs(path, exist_ok=True)
        os.chown(path, uid, gid)
    for path in (home, os.path.join(home, "Maildir"), maildir):
        os.chown(path, uid, gid)

    rng = random.Random(args.seed)
    now = time.time()
    cur = os.path.join(maildir, "cur")
    stamp = int(now)
    started = time.time()
    for n in range(args.count):
        when = now - rng.uniform(0, 2 * 365 * 24 * 3600)
        data = make_message(rng, n, args.user, when)
        size = len(data)
        crlf_size = size + data.count(b"\n")
        unique = f"{stamp}.M{n}P{os.getpid()}R{rng.getrandbits(32):08x}.rig,S={size},W={crlf_size}"
        path = os.path.join(cur, f"{unique}:2,{flags_for(rng)}")
        with open(path, "wb") as f:
            f.write(data)
        os.chown(path, uid, gid)
        os.utime(path, (when, when))  # the file's mtime is the message's arrival time
    subprocess.run(["doveadm", "-c", conf, "mailbox", "status", "-u", args.user, "all", args.mailbox],
                   check=True, capture_output=True)
    print(f"fill: {args.count} messages into {args.user} {args.mailbox} in {time.time() - started:.1f} s")


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as e:
        sys.exit(f"fill.py: {' '.join(e.cmd)} failed: {(e.stderr or '').strip()}")
