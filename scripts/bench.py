#!/usr/bin/env python3
"""Benchmarks Letterbox's JSON API against a raw IMAP client on a private mail rig with big INBOXes.

Usage (as root, from anywhere in the repository):

    sudo python3 scripts/bench.py [--sizes 10000,100000] [--runs 15] [--json FILE]
                                  [--word report] [--no-build] [--keep]
                                  [--skip-steps] [--skip-warm] [--skip-load] [--skip-rss]
                                  [--users 200] [--user-messages 200] [--rounds 5]
                                  [--logins-per-user 5] [--streams 200]

Builds Letterbox in release mode (honouring CARGO_TARGET_DIR), starts a private Dovecot +
Postfix rig under /tmp/lb-bench-<pid> (scripts/rig/start.sh), fills one fresh user's INBOX per
size with scripts/rig/fill.py, warms Dovecot's sort cache, starts Letterbox against the rig and
measures, per size, seven steps three ways: Letterbox's API, a raw IMAP client on one kept
connection, and a raw IMAP client that opens a new connection per request (connect + STARTTLS +
LOGIN + SELECT + commands + LOGOUT, as Roundcube does):

  first page cold   a freshly started Letterbox process per run (empty sort cache, no pooled
                    connection): POST /session, then the first GET of the INBOX's first page is
                    timed (raw: UID SORT + UID FETCH of 50 envelopes)
  first page warm   the second GET of the first page in that same process
  page 100, open message, search subject   on one long-running Letterbox process
  flag + list       PATCH {"flagged": …} then GET the first page (raw: UID STORE + SORT + FETCH)
  send              POST /api/v1/send of a short text message to the rig's sink user, after one
                    GET /api/v1/mailboxes as the web UI does (raw: SMTP submission on a new
                    connection with STARTTLS + AUTH, then APPEND to Sent on the kept or a new
                    IMAP connection)

The raw client's list FETCH asks only for items Dovecot caches (ENVELOPE, not header fields), like
Letterbox.
--skip-warm measures only the cold first page and send per size.

Before the timed runs of a step each variant does one untimed warm-up run; the timed runs of the
three variants are interleaved so background load hits them alike.

Then (unless skipped) --users rig users with --user-messages messages each log in once and all
list their INBOX's first page at the same moment, for --rounds rounds (latency p50/p99/max,
errors); and Letterbox's memory is read with --logins-per-user sessions per user (1,000 by
default) of which --streams hold an open event stream (GET /api/v1/events, each past its
`ready` event). A "targets" summary ends the output (printed only: a MISS does not fail).
Tables go to stdout, progress to stderr. Everything started is stopped again, also on Ctrl-C.
Only 127.0.0.1 is ever contacted.
"""
import argparse
import asyncio
import concurrent.futures
import email.utils
import imaplib
import json
import math
import os
import re
import resource
import shutil
import signal
import smtplib
import socket
import ssl
import statistics
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"
PAGE = 50
HTTP_TIMEOUT = 120       # seconds per HTTP request
IMAP_TIMEOUT = 120       # seconds per IMAP socket operation
# What a list needs, asking only for items Dovecot keeps in its cache (as Letterbox's list does):
# header fields (BODY.PEEK[HEADER]) would make Dovecot open every message file.
FETCH_ITEMS = "(UID FLAGS INTERNALDATE RFC822.SIZE BODYSTRUCTURE ENVELOPE)"
SORT_ORDER = "(REVERSE DATE)"
# A UID SORT reply for 100k messages is one ~700 KB line; imaplib refuses lines over 1 MB.
imaplib._MAXLINE = 64 * 1024 * 1024

T0 = time.monotonic()


class BenchError(Exception):
    """A failure that ends the benchmark with a one-line message."""


def log(msg):
    print(f"[bench {time.monotonic() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def descendants(root):
    """PIDs of every live descendant of root, from /proc (parents before children)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(0), []):
            out.append(child)
            todo.append(child)
    return out


def stop_tree(proc):
    """Stops proc and everything it started (cargo's rustc processes, say), by PID.

    The tree is read before signalling: once cargo dies its rustc children are re-parented."""
    pids = [proc.pid] + descendants(proc.pid)
    for sig in (signal.SIGINT, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            proc.poll()
            alive = [p for p in pids if p != proc.pid and pid_alive(p)]
            if proc.returncode is not None and not alive:
                return
            time.sleep(0.1)
        log(f"{' '.join(map(str, pids))} still running after SIG{sig.name[3:]}")
    proc.wait(timeout=10)


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def run(cmd, what, timeout, capture=False, **kw):
    """Runs cmd (its stderr shown), raising BenchError on failure or timeout.

    On Ctrl-C, SIGTERM or a timeout the child and all its descendants are stopped (killing only
    cargo would leave its rustc processes running). Its own session keeps a terminal's Ctrl-C
    from reaching it before we do that in order."""
    try:
        proc = subprocess.Popen(cmd, text=True, stdin=subprocess.DEVNULL, start_new_session=True,
                                stdout=subprocess.PIPE if capture else sys.stderr, **kw)
    except FileNotFoundError:
        raise BenchError(f"{what}: {cmd[0]} not found in PATH ({os.environ.get('PATH', '')})")
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_tree(proc)
        raise BenchError(f"{what}: timed out after {timeout}s")
    except BaseException:
        stop_tree(proc)
        raise
    if proc.returncode != 0:
        raise BenchError(f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}")
    return out


# --- build ------------------------------------------------------------------------------------

def build(no_build):
    target = os.environ.get("CARGO_TARGET_DIR") or "target"
    binary = os.path.join(REPO, target, "release", "letterbox")   # join keeps an absolute target
    if not no_build:
        log(f"building: cargo build --release --locked (target dir {os.path.dirname(os.path.dirname(binary))})")
        if shutil.which("cargo") is None:
            raise BenchError("cargo not found in PATH (sudo resets PATH: try `sudo env PATH=\"$PATH\" "
                             "python3 scripts/bench.py`, or build first and pass --no-build)")
        t = time.monotonic()
        run(["cargo", "build", "--release", "--locked"], "cargo build", timeout=3 * 3600, cwd=REPO)
        log(f"build done in {time.monotonic() - t:.0f}s")
    if not os.access(binary, os.X_OK):
        raise BenchError(f"no Letterbox binary at {binary}")
    return binary


# --- rig --------------------------------------------------------------------------------------

def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                env[k] = v
    return env


def add_user(rig_dir, user, password):
    """Appends a user to the rig's passwd-file, in the format of the existing alice line."""
    path = os.path.join(rig_dir, "users")
    with open(path) as f:
        lines = f.read().splitlines()
    model = next((l for l in lines if l.startswith("alice@")), None)
    if model is None:
        raise BenchError(f"no alice@ line in {path} to copy the format from")
    fields = model.split(":")   # user:{PLAIN}pw:uid:gid::home
    local = user.split("@")[0]
    fields[0] = user
    fields[1] = "{PLAIN}" + password
    fields[-1] = os.path.join(os.path.dirname(fields[-1]), local)
    if any(l.split(":", 1)[0] == user for l in lines):
        return
    with open(path, "a") as f:
        f.write(":".join(fields) + "\n")


def imap_connect(env, user, password, select=True):
    ctx = ssl.create_default_context(cafile=env["RIG_CA_FILE"])
    imap = imaplib.IMAP4(HOST, int(env["RIG_IMAP_PORT"]), timeout=IMAP_TIMEOUT)
    try:
        imap.starttls(ssl_context=ctx)
        imap.login(user, password)
        if select:
            typ, data = imap.select("INBOX")
            if typ != "OK":
                raise BenchError(f"IMAP SELECT INBOX for {user}: {typ} {data}")
    except BaseException:
        try:
            imap.shutdown()
        except OSError:
            pass
        raise
    return imap


def imap_ok(imap, *args):
    typ, data = imap.uid(*args)
    if typ != "OK":
        raise BenchError(f"IMAP UID {' '.join(args)}: {typ} {data}")
    return data


def uid_sort(imap, criteria):
    data = imap_ok(imap, "SORT", SORT_ORDER, "UTF-8", criteria)
    return [int(x) for x in b" ".join(d for d in data if d).split()]


def uid_fetch(imap, uids, items):
    if not uids:
        return []
    data = imap_ok(imap, "FETCH", ",".join(map(str, uids)), items)
    # imaplib gives a response with literals in it (a header, an 8-bit subject) as tuples
    # (one per literal) and the rest of the line, one without as a plain line: every response
    # starts with "<seq> (", continuations do not.
    got = [d for d in data if re.match(rb"\d+ \(", (d[0] if isinstance(d, tuple) else d) or b"")]
    if len(got) != len(uids):
        raise BenchError(f"IMAP UID FETCH of {len(uids)} messages returned {len(got)}")
    return got


def imap_logout(imap):
    try:
        imap.logout()
    except (OSError, imaplib.IMAP4.error):
        pass


# --- Letterbox --------------------------------------------------------------------------------

# No proxy, whatever http_proxy says: every request goes straight to 127.0.0.1.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(base, method, path, token=None, body=None, expect=200):
    """Returns the response body (bytes); raises BenchError unless the status is `expect`."""
    headers = {"accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["content-type"] = "application/json"
    if token:
        headers["authorization"] = "Bearer " + token
    req = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with OPENER.open(req, timeout=HTTP_TIMEOUT) as resp:
            status, payload = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, payload = e.code, e.read()
    except (urllib.error.URLError, OSError) as e:
        raise BenchError(f"{method} {path}: {getattr(e, 'reason', e)}")
    if status != expect:
        raise BenchError(f"{method} {path}: HTTP {status} (expected {expect}): {payload[:300]!r}")
    return payload


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_letterbox(binary, env, rig_dir, name="letterbox"):
    """Starts `letterbox serve` with its data in rig_dir/<name>-data and its log in <name>.log."""
    port = free_port()
    lb_env = dict(os.environ,
                  LETTERBOX_LISTEN=f"{HOST}:{port}",
                  LETTERBOX_IMAP=f"imap://{HOST}:{env['RIG_IMAP_PORT']}",
                  LETTERBOX_SMTP=f"smtp://{HOST}:{env['RIG_SMTP_PORT']}",
                  LETTERBOX_CA_FILE=env["RIG_CA_FILE"],
                  LETTERBOX_DATA_DIR=os.path.join(rig_dir, "lb-data" if name == "letterbox" else f"{name}-data"),
                  RUST_LOG="warn")
    log_path = os.path.join(rig_dir, f"{name}.log")
    with open(log_path, "a") as log_file:
        proc = subprocess.Popen([binary, "serve"], env=lb_env, cwd=rig_dir, stdin=subprocess.DEVNULL,
                                stdout=log_file, stderr=subprocess.STDOUT)
    base = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise BenchError(f"Letterbox exited with {proc.returncode} at start-up:\n{tail(log_path)}")
        try:
            http(base, "GET", "/healthz")
            return proc, base, log_path
        except BenchError:
            if time.monotonic() > deadline:
                stop_letterbox(proc)
                raise BenchError(f"Letterbox did not answer GET /healthz with 200 within 60s:\n{tail(log_path)}")
            time.sleep(0.02)


def stop_letterbox(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()                       # only the PID we started
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        log(f"Letterbox (pid {proc.pid}) ignored SIGTERM for 15s, killing it")
        proc.kill()
        proc.wait(timeout=15)


def tail(path, n=20):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0])     # kB
            elif k == "Threads":
                out[k] = int(v)
    return out


# --- measuring --------------------------------------------------------------------------------

def timed(fn):
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000.0


def summary(samples):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
            "runs_ms": [round(s, 3) for s in samples]}


def percentile(samples, p):
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def login(base, user, password):
    return json.loads(http(base, "POST", "/api/v1/session",
                           body={"username": user, "password": password}, expect=201))["accessToken"]


INBOX_PATH = "/api/v1/mailboxes/INBOX/messages"
COLD_MEANING = ("cold = a freshly started Letterbox process for every run (empty sort cache, empty connection "
                "pool): POST /session, then the first GET of the first page is timed (Letterbox opens the INBOX "
                "afresh and sorts it: STATUS + SELECT + SORT + FETCH on the connection the login opened); "
                "warm = the second GET right after it, in the same process. Raw IMAP does the same work both "
                "times: UID SORT + UID FETCH (kept connection) or connect + login + SELECT + SORT + FETCH (new "
                "connection). The process start and the login are not in the cold time (their medians are under "
                "each table).")


def new_conn(env, user, password, op):
    """A raw IMAP request as a client without a connection pool does it."""
    def go():
        imap = imap_connect(env, user, password)
        try:
            op(imap)
        finally:
            imap_logout(imap)
    return go


def raw_first(imap):
    return uid_fetch(imap, uid_sort(imap, "ALL")[:PAGE], FETCH_ITEMS)


def bench_cold(size, user, password, env, binary, rig_dir, runs):
    """First page cold and warm: one fresh Letterbox process per run, raw IMAP interleaved."""
    lb = {"cold": [], "warm": []}
    login_ms, start_ms, fresh_select = [], [], []
    raw = {"raw_kept": {"cold": [], "warm": []}, "raw_new": {"cold": [], "warm": []}}
    kept = imap_connect(env, user, password)
    fresh = new_conn(env, user, password, raw_first)
    t0 = time.monotonic()
    try:
        for run_no in range(runs + 1):          # run 0 is an untimed warm-up
            t = time.perf_counter()
            proc, base, log_path = start_letterbox(binary, env, rig_dir, name="letterbox-cold")
            started = (time.perf_counter() - t) * 1000.0
            try:
                t = time.perf_counter()
                token = login(base, user, password)
                logged_in = (time.perf_counter() - t) * 1000.0
                cold = timed(lambda: http(base, "GET", f"{INBOX_PATH}?limit={PAGE}", token))
                warm = timed(lambda: http(base, "GET", f"{INBOX_PATH}?limit={PAGE}", token))
                if proc.poll() is not None:
                    raise BenchError(f"Letterbox (cold) exited with {proc.returncode}:\n{tail(log_path)}")
            finally:
                stop_letterbox(proc)
            # What any client pays after a login: a new IMAP session must SELECT the folder
            # (Dovecot opens its index) before SORT + FETCH; connect and login are not timed.
            imap = imap_connect(env, user, password, select=False)
            try:
                selected = timed(lambda: (imap.select("INBOX"), raw_first(imap)))
            finally:
                imap_logout(imap)
            samples = {("raw_kept", "cold"): timed(lambda: raw_first(kept)),
                       ("raw_new", "cold"): timed(fresh),
                       ("raw_kept", "warm"): timed(lambda: raw_first(kept)),
                       ("raw_new", "warm"): timed(fresh)}
            if run_no == 0:
                continue
            lb["cold"].append(cold)
            lb["warm"].append(warm)
            login_ms.append(logged_in)
            start_ms.append(started)
            fresh_select.append(selected)
            for (variant, which), v in samples.items():
                raw[variant][which].append(v)
    finally:
        imap_logout(kept)
    results = {"letterbox": {"first page cold": summary(lb["cold"]), "first page warm": summary(lb["warm"])}}
    for variant in raw:
        results[variant] = {"first page cold": summary(raw[variant]["cold"]),
                            "first page warm": summary(raw[variant]["warm"])}
    log(f"{size}: first page cold: Letterbox {results['letterbox']['first page cold']['median']:.1f} ms, "
        f"warm {results['letterbox']['first page warm']['median']:.1f} ms, raw kept "
        f"{results['raw_kept']['first page cold']['median']:.1f} ms, raw new "
        f"{results['raw_new']['first page cold']['median']:.1f} ms ({time.monotonic() - t0:.1f}s)")
    return results, {"login_ms": summary(login_ms), "process_start_ms": summary(start_ms),
                     "raw_fresh_session_select_sort_fetch_ms": summary(fresh_select)}


def raw_message(user, to, tag):
    """A small plain-text message as a mail client builds it (CRLF line ends)."""
    return (f"From: {user}\r\nTo: {to}\r\nSubject: bench send {tag}\r\n"
            f"Date: {email.utils.formatdate(localtime=True)}\r\n"
            f"Message-ID: <bench-{os.getpid()}-{tag}@example.test>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\nA benchmark message.\r\n").encode()


def raw_send(env, user, password, to, imap, tag):
    """What a client without Letterbox does to send: SMTP submission on a new connection
    (STARTTLS + AUTH + MAIL/RCPT/DATA + QUIT), then APPEND of the same bytes to Sent on `imap`."""
    message = raw_message(user, to, tag)
    ctx = ssl.create_default_context(cafile=env["RIG_CA_FILE"])
    with smtplib.SMTP(HOST, int(env["RIG_SMTP_PORT"]), timeout=IMAP_TIMEOUT) as smtp:
        smtp.starttls(context=ctx)
        smtp.login(user, password)
        refused = smtp.sendmail(user, [to], message)
        if refused:
            raise BenchError(f"raw SMTP: recipients refused: {refused}")
    typ, data = imap.append("Sent", r"(\Seen)", None, message)
    if typ != "OK":
        raise BenchError(f"raw IMAP APPEND to Sent: {typ} {data}")


def bench_size(size, user, password, env, base, runs, word, warm_steps=True):
    """Measures one filled INBOX on the long-running Letterbox; returns {variant: {step: summary}}.
    Without `warm_steps` only the send step is measured."""
    pages = max(1, math.ceil(size / PAGE))
    page_no = min(100, pages)
    steps = [f"page {page_no}", "open message", "search subject", "flag + list"] if warm_steps else []
    steps.append("send")
    inbox = INBOX_PATH
    q = urllib.parse.quote(f"subject:{word}")

    # --- Letterbox: log in once, get the first page's ids and page N's cursor once.
    token = login(base, user, password)
    first = json.loads(http(base, "GET", f"{inbox}?limit={PAGE}", token))
    ids = [m["id"] for m in first["items"]]
    lb_first_uids = [m["uid"] for m in first["items"]]
    if len(ids) != min(PAGE, size) or first["total"] != size:
        raise BenchError(f"first page for {user}: {len(ids)} items, total {first['total']} (expected {size})")
    t = time.monotonic()
    cursor, page = None, first
    for _ in range(page_no - 1 if warm_steps else 0):
        cursor = page["nextCursor"]
        if not cursor:
            raise BenchError(f"{user}: no nextCursor before page {page_no}")
        page = json.loads(http(base, "GET", f"{inbox}?limit={PAGE}&cursor={urllib.parse.quote(cursor)}", token))
    lb_pageN_uids = [m["uid"] for m in page["items"]]
    if warm_steps:
        log(f"{size}: followed nextCursor {page_no - 1} times in {time.monotonic() - t:.1f}s")
    cursor_q = f"&cursor={urllib.parse.quote(cursor)}" if cursor else ""
    search = {"items": [], "total": 0}
    if warm_steps:
        search = json.loads(http(base, "GET", f"{inbox}?limit={PAGE}&q={q}", token))
        if not search["items"]:
            raise BenchError(f"Letterbox search subject:{word} found nothing; pick another --word")
    # The web UI lists the folders (with counts) when it opens, before anything is sent.
    http(base, "GET", "/api/v1/mailboxes", token)
    sink = env["RIG_SINK_USER"]
    sent_no = {"n": 0}

    def next_tag(variant):
        sent_no["n"] += 1
        return f"{variant}-{size}-{sent_no['n']}"

    def lb_send():
        body = {"to": [{"email": sink}], "subject": f"bench send {next_tag('lb')}", "text": "A benchmark message.\n"}
        http(base, "POST", "/api/v1/send", token, body=body, expect=201)

    lb_i = {"open": 0}

    def lb_page():
        http(base, "GET", f"{inbox}?limit={PAGE}{cursor_q}", token)

    def lb_open():
        mid = ids[lb_i["open"] % len(ids)]
        lb_i["open"] += 1
        http(base, "GET", f"/api/v1/messages/{urllib.parse.quote(mid, safe='')}", token)

    def lb_search():
        http(base, "GET", f"{inbox}?limit={PAGE}&q={q}", token)

    # Flag + list: each variant toggles its own message (flag, unflag, flag, …) so that every
    # timed run really changes a flag (the untimed warm-up absorbs an already flagged message).
    flag_ids = {"letterbox": ids[0], "raw_kept": lb_first_uids[min(1, len(ids) - 1)],
                "raw_new": lb_first_uids[min(2, len(ids) - 1)]}
    flagged = {v: False for v in flag_ids}

    def lb_flag():
        flagged["letterbox"] = not flagged["letterbox"]
        mid = urllib.parse.quote(flag_ids["letterbox"], safe="")
        http(base, "PATCH", f"/api/v1/messages/{mid}", token, body={"flagged": flagged["letterbox"]})
        http(base, "GET", f"{inbox}?limit={PAGE}", token)

    # --- raw IMAP.
    lo, hi = (page_no - 1) * PAGE, page_no * PAGE
    crit = f'SUBJECT "{word}"'

    def raw_page(imap):
        return uid_fetch(imap, uid_sort(imap, "ALL")[lo:hi], FETCH_ITEMS)

    raw_i = {"kept": 0, "new": 0}

    def raw_open(imap, which):
        uid = lb_first_uids[raw_i[which] % len(lb_first_uids)]
        raw_i[which] += 1
        return uid_fetch(imap, [uid], "(BODY.PEEK[])")

    def raw_search(imap):
        return uid_fetch(imap, uid_sort(imap, crit)[:PAGE], FETCH_ITEMS)

    def raw_flag(imap, variant):
        flagged[variant] = not flagged[variant]
        imap_ok(imap, "STORE", str(flag_ids[variant]), "+FLAGS" if flagged[variant] else "-FLAGS", r"(\Flagged)")
        return raw_first(imap)

    kept = imap_connect(env, user, password)
    try:
        # Same work? The raw client must see the same pages and matches as Letterbox.
        all_uids = uid_sort(kept, "ALL")
        if all_uids[:PAGE] != lb_first_uids or (warm_steps and all_uids[lo:hi] != lb_pageN_uids):
            log(f"WARNING {size}: Letterbox's pages differ from raw UID SORT (REVERSE DATE)")
        if warm_steps:
            matches = uid_sort(kept, crit)
            if len(matches) != search["total"]:
                log(f"WARNING {size}: raw SUBJECT search found {len(matches)}, Letterbox {search['total']}")

        def fresh(op):
            return new_conn(env, user, password, op)

        # Send: raw "kept" APPENDs on the kept connection (INBOX selected), raw "new" on a new one;
        # the SMTP submission is a new connection for every variant (as Letterbox does it).
        send_kept = lambda: raw_send(env, user, password, sink, kept, next_tag("kept"))
        send_new = fresh(lambda i: raw_send(env, user, password, sink, i, next_tag("new")))
        variants = {
            "letterbox": ([lb_page, lb_open, lb_search, lb_flag] if warm_steps else []) + [lb_send],
            "raw_kept": ([lambda: raw_page(kept), lambda: raw_open(kept, "kept"), lambda: raw_search(kept),
                          lambda: raw_flag(kept, "raw_kept")] if warm_steps else []) + [send_kept],
            "raw_new": ([fresh(raw_page), fresh(lambda i: raw_open(i, "new")), fresh(raw_search),
                         fresh(lambda i: raw_flag(i, "raw_new"))] if warm_steps else []) + [send_new],
        }
        results = {v: {} for v in variants}
        for si, step in enumerate(steps):
            t = time.monotonic()
            for v in variants:               # one untimed warm-up each
                variants[v][si]()
            samples = {v: [] for v in variants}
            for _ in range(runs):            # interleaved: background load hits all alike
                for v in variants:
                    samples[v].append(timed(variants[v][si]))
            for v in variants:
                results[v][step] = summary(samples[v])
            log(f"{size}: {step}: Letterbox {results['letterbox'][step]['median']:.1f} ms, "
                f"raw kept {results['raw_kept'][step]['median']:.1f} ms, "
                f"raw new {results['raw_new'][step]['median']:.1f} ms ({time.monotonic() - t:.1f}s)")
    finally:
        imap_logout(kept)
    return {"steps": steps, "results": results, "search_word": word,
            "search_matches": search["total"], "page_index": page_no}


# --- many users: concurrent listing, sessions and event streams --------------------------------

async def ahttp(port, method, path, token=None, body=None, timeout=HTTP_TIMEOUT):
    """One HTTP/1.1 request on its own connection (Connection: close); returns (status, raw reply)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
    try:
        data = json.dumps(body).encode() if body is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Accept: application/json",
                "Connection: close"]
        if token:
            head.append(f"Authorization: Bearer {token}")
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)     # until the server closes
    finally:
        writer.close()
    m = re.match(rb"HTTP/1\.[01] (\d{3})", raw)
    return (int(m.group(1)) if m else 0), raw


def port_of(base):
    return int(base.rsplit(":", 1)[1])


def fill_users(rig_dir, users, count):
    """Fills every user's INBOX with `count` messages (fill.py, a few at a time)."""
    def one(i_user):
        i, (user, _) = i_user
        run([sys.executable, os.path.join(REPO, "scripts/rig/fill.py"), "--dir", rig_dir, "--user", user,
             "--count", str(count), "--seed", str(i + 1)], f"fill.py {user}", timeout=600, capture=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(one, enumerate(users)))


def login_all(base, logins, workers=8):
    """Logs in every (user, password) of `logins` (a few at a time); returns the tokens in order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda up: login(base, *up), logins))


def bench_load(base, users, tokens, rounds):
    """All users list their INBOX's first page at the same moment, `rounds` times."""
    port = port_of(base)
    path = f"{INBOX_PATH}?limit={PAGE}"

    async def one(token):
        t = time.perf_counter()
        try:
            status, raw = await ahttp(port, "GET", path, token)
            ok = status == 200 and b'"items"' in raw
            err = None if ok else f"HTTP {status}"
        except (OSError, asyncio.TimeoutError) as e:
            err = type(e).__name__
        return (time.perf_counter() - t) * 1000.0, err

    async def burst():
        return await asyncio.gather(*(one(tok) for tok in tokens))

    per_round, all_ok, errors = [], [], {}
    for r in range(rounds):
        t = time.perf_counter()
        results = asyncio.run(burst())
        wall = (time.perf_counter() - t) * 1000.0
        ok = [ms_ for ms_, err in results if err is None]
        for _, err in results:
            if err is not None:
                errors[err] = errors.get(err, 0) + 1
        n_err = sum(1 for _, err in results if err is not None)
        row = {"round": r + 1, "requests": len(results), "errors": n_err, "wall_ms": round(wall, 1)}
        if ok:
            row.update(p50=statistics.median(ok), p99=percentile(ok, 99), max=max(ok), min=min(ok))
        per_round.append(row)
        all_ok += ok
        log(f"load round {r + 1}: {len(results)} requests, {n_err} errors, "
            + (f"p50 {row['p50']:.0f} ms, p99 {row['p99']:.0f} ms, max {row['max']:.0f} ms" if ok else "no successes"))
        time.sleep(0.5)
    out = {"users": len(users), "rounds": per_round, "errors": sum(errors.values()), "error_kinds": errors,
           "requests": len(tokens) * rounds}
    if all_ok:
        out.update(p50=statistics.median(all_ok), p99=percentile(all_ok, 99), max=max(all_ok), min=min(all_ok))
    return out


def dovecot_connections(env):
    """IMAP connections Dovecot sees (doveadm who), or None."""
    try:
        r = subprocess.run(["doveadm", "-c", env["RIG_DOVECOT_CONF"], "who"], capture_output=True, text=True,
                           timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if r.returncode != 0:
        return None
    total = 0
    for line in r.stdout.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 3 and fields[1].isdigit() and fields[2] == "imap":
            total += int(fields[1])
    return total


def bench_rss(base, lb_pid, env, users, tokens, logins_per_user, streams):
    """Letterbox's memory with len(users) × logins_per_user sessions and `streams` open event streams."""
    port = port_of(base)
    before = proc_status(lb_pid)
    have = {u: 1 for u, _ in users} if tokens else {u: 0 for u, _ in users}
    todo = [(u, pw) for u, pw in users for _ in range(logins_per_user - have[u])]
    t = time.monotonic()
    new_tokens = login_all(base, todo)
    log(f"rss: {len(todo)} more logins in {time.monotonic() - t:.1f}s")
    first_token = {}
    for (u, _), tok in zip(users, tokens or []):
        first_token[u] = tok
    for (u, _), tok in zip(todo, new_tokens):
        first_token.setdefault(u, tok)
    sessions = len(tokens or []) + len(new_tokens)
    stream_tokens = [first_token[u] for u, _ in users[:streams]]

    async def open_stream(token):
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), HTTP_TIMEOUT)
        head = [f"GET /api/v1/events HTTP/1.1", f"Host: {HOST}:{port}", "Accept: text/event-stream",
                f"Authorization: Bearer {token}"]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        await writer.drain()
        buf = b""
        deadline = time.monotonic() + HTTP_TIMEOUT
        while not re.search(rb"(^|\n)event: ?ready\r?\n", buf):
            chunk = await asyncio.wait_for(reader.read(65536), max(0.1, deadline - time.monotonic()))
            if not chunk:
                writer.close()
                raise ConnectionError(f"stream closed before ready: {buf[:200]!r}")
            buf += chunk
        if not buf.startswith(b"HTTP/1.1 200"):
            writer.close()
            raise ConnectionError(f"events: {buf[:200]!r}")
        return writer

    async def hold():
        t0 = time.monotonic()
        results = await asyncio.gather(*(open_stream(tok) for tok in stream_tokens), return_exceptions=True)
        writers = [r for r in results if not isinstance(r, BaseException)]
        failed = [r for r in results if isinstance(r, BaseException)]
        ready_s = time.monotonic() - t0
        log(f"rss: {len(writers)} event streams ready in {ready_s:.1f}s, {len(failed)} failed"
            + (f" (first: {failed[0]!r})" if failed else ""))
        await asyncio.sleep(2)      # let the watchers settle into IDLE
        status = proc_status(lb_pid)
        try:
            fds = len(os.listdir(f"/proc/{lb_pid}/fd"))
        except OSError:
            fds = None
        dovecot = dovecot_connections(env)
        for w in writers:
            w.close()
        return {"streams_ready": len(writers), "streams_failed": len(failed), "ready_s": round(ready_s, 2),
                "status": status, "fds": fds, "dovecot_imap_connections": dovecot}

    held = asyncio.run(hold())
    return {"sessions": sessions, "users": len(users), "streams": len(stream_tokens), "before": before, **held}


# --- output -----------------------------------------------------------------------------------

def ms(v):
    return f"{v:.2f}" if v < 10 else f"{v:.1f}"


def print_table(size, data, rss):
    res = data["results"]
    head = ["step", "Letterbox median (min–max) ms", "raw kept ms", "raw new-conn ms",
            "LB/raw-kept", "LB/raw-new"]
    rows = []
    for step in data["steps"]:
        lb, kept, new = res["letterbox"][step], res["raw_kept"][step], res["raw_new"][step]
        rows.append([step, f"{ms(lb['median'])} ({ms(lb['min'])}–{ms(lb['max'])})",
                     ms(kept["median"]), ms(new["median"]),
                     f"{lb['median'] / kept['median']:.2f}×", f"{lb['median'] / new['median']:.2f}×"])
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    print(f"\nINBOX with {size} messages ({data['runs']} runs per step; search: subject:{data['search_word']}, "
          f"{data['search_matches']} matches)")
    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))
    cold = data.get("cold_details")
    if cold:
        fresh = cold["raw_fresh_session_select_sort_fetch_ms"]["median"]
        lb_cold = res["letterbox"]["first page cold"]["median"]
        print(f"Cold runs: Letterbox process start {ms(cold['process_start_ms']['median'])} ms, "
              f"POST /session {ms(cold['login_ms']['median'])} ms (medians, not in the cold time).\n"
              f"Raw IMAP on a just-logged-in connection (login not timed): SELECT + SORT + FETCH "
              f"{ms(fresh)} ms (Letterbox cold {lb_cold / fresh:.2f}× that)")
    lb_cold, new_cold = res["letterbox"]["first page cold"]["median"], res["raw_new"]["first page cold"]["median"]
    print(f"Cold first list: Letterbox {ms(lb_cold)} ms vs raw IMAP on a new connection (connect + STARTTLS + "
          f"LOGIN + SELECT + SORT + FETCH) {ms(new_cold)} ms = {lb_cold / new_cold:.2f}×")
    if "send" in res["letterbox"]:
        lb_send, kept_send = res["letterbox"]["send"]["median"], res["raw_kept"]["send"]["median"]
        print(f"Send: Letterbox POST /api/v1/send {ms(lb_send)} ms vs raw SMTP (new connection: STARTTLS + AUTH + "
              f"MAIL/RCPT/DATA + QUIT) + APPEND to Sent on a kept IMAP connection {ms(kept_send)} ms; "
              f"with a new IMAP connection for the APPEND {ms(res['raw_new']['send']['median'])} ms")
    print(f"Letterbox RSS after these runs: {rss['VmRSS'] / 1024:.1f} MiB (peak {rss['VmHWM'] / 1024:.1f} MiB)")
    sys.stdout.flush()


def print_scaling(all_data):
    sizes = sorted(all_data)
    if len(sizes) < 2:
        return
    small, big = sizes[0], sizes[-1]
    print(f"\nScaling {small} → {big} messages (medians in ms; 'within noise' = the {big} median lies "
          f"inside the min–max range of the {small} runs)")
    for variant, name in (("letterbox", "Letterbox"), ("raw_kept", "raw kept"), ("raw_new", "raw new-conn")):
        for idx in range(len(all_data[small]["steps"])):
            s_step = all_data[small]["steps"][idx]
            b_step = all_data[big]["steps"][idx]
            s = all_data[small]["results"][variant][s_step]
            b = all_data[big]["results"][variant][b_step]
            within = s["min"] <= b["median"] <= s["max"]
            label = s_step if s_step == b_step else f"{s_step}/{b_step}"
            verdict = "yes" if within else f"no ({b['median'] - s['median']:+.1f} ms, {b['median'] / s['median']:.2f}×)"
            if variant == "letterbox" or idx == 0:
                print(f"  {name:13} {label:17} {small}: {ms(s['median']):>7}   {big}: {ms(b['median']):>7}   "
                      f"within noise: {verdict}")
    sys.stdout.flush()


def print_load(load):
    print(f"\n{load['users']} users listing their INBOX's first page at the same moment "
          f"({len(load['rounds'])} rounds; each user logged in once before; round 1 is each user's first list)")
    for r in load["rounds"]:
        if "p50" in r:
            print(f"  round {r['round']}: p50 {ms(r['p50'])} ms, p99 {ms(r['p99'])} ms, max {ms(r['max'])} ms, "
                  f"p99/p50 {r['p99'] / r['p50']:.2f}, all done in {ms(r['wall_ms'])} ms, "
                  f"errors {r['errors']}/{r['requests']}")
        else:
            print(f"  round {r['round']}: errors {r['errors']}/{r['requests']}")
    if "p50" in load:
        print(f"  all rounds pooled: p50 {ms(load['p50'])} ms, p99 {ms(load['p99'])} ms, max {ms(load['max'])} ms, "
              f"p99/p50 {load['p99'] / load['p50']:.2f} (mixes round 1 with the warm rounds), "
              f"errors {load['errors']}/{load['requests']}" + (f" {load['error_kinds']}" if load["error_kinds"] else ""))
    print("  (client: one asyncio process on the same machine, a new HTTP connection per request)")
    sys.stdout.flush()


def print_rss(rss):
    st, before = rss["status"], rss["before"]
    print(f"\nLetterbox with {rss['sessions']} logged-in sessions ({rss['users']} users) of which "
          f"{rss['streams_ready']} hold an open event stream (past `ready`; {rss['streams_failed']} failed, "
          f"all ready within {rss['ready_s']:.1f}s)")
    print(f"  VmRSS {st['VmRSS'] / 1024:.1f} MiB ({st['VmRSS'] * 1024 / 1e6:.0f} MB), peak VmHWM "
          f"{st['VmHWM'] / 1024:.1f} MiB over the whole run; before these sessions: VmRSS {before['VmRSS'] / 1024:.1f} MiB")
    dv = rss["dovecot_imap_connections"]
    print(f"  threads {st.get('Threads', '?')}, open fds {rss['fds'] if rss['fds'] is not None else '?'}, "
          f"IMAP connections Dovecot sees (doveadm who, all clients): {dv if dv is not None else '?'}")
    sys.stdout.flush()


def print_targets(all_data, load, rss):
    rows = []

    def add(name, value, ok):
        rows.append((name, value, "—" if ok is None else ("PASS" if ok else "MISS")))

    if all_data:
        size = 100000 if 100000 in all_data else max(all_data)
        res = all_data[size]["results"]
        at = f" ({size})"
        warm = res["letterbox"]["first page warm"]["median"]
        add(f"warm first page ≤ 15 ms{at}", f"{ms(warm)} ms", warm <= 15)
        if "open message" in res["letterbox"]:
            opened = res["letterbox"]["open message"]["median"]
            add(f"open message ≤ 10 ms{at}", f"{ms(opened)} ms", opened <= 10)
        cold = res["letterbox"]["first page cold"]["median"]
        new_cold = res["raw_new"]["first page cold"]["median"]
        add(f"cold first page ≤ raw new connection{at}", f"{ms(cold)} ms vs {ms(new_cold)} ms = {cold / new_cold:.2f}×",
            cold <= new_cold)
        sent = res["letterbox"]["send"]["median"]
        add(f"send ≤ 30 ms{at}", f"{ms(sent)} ms (raw SMTP + APPEND {ms(res['raw_kept']['send']['median'])} ms)",
            sent <= 30)
        raw = res["raw_kept"]["first page cold"]["median"]
        fresh = all_data[size]["cold_details"]["raw_fresh_session_select_sort_fetch_ms"]["median"]
        add(f"cold first page ≤ 1.3× raw kept-connection{at}",
            f"{ms(cold)} ms vs {ms(raw)} ms = {cold / raw:.2f}× (raw new session's SELECT+SORT+FETCH "
            f"{ms(fresh)} ms: {cold / fresh:.2f}×)", cold / raw <= 1.3)
    if rss:
        mb = rss["status"]["VmRSS"] * 1024 / 1e6
        complete = rss["streams_failed"] == 0
        add(f"{rss['sessions']} sessions / {rss['streams']} streams ≤ 200 MB RSS",
            f"{mb:.0f} MB" + ("" if complete else f" ({rss['streams_failed']} streams failed)"),
            mb <= 200 and complete)
    rounds = [r for r in (load or {}).get("rounds", []) if "p50" in r]
    if rounds:
        # Each burst on its own: pooling the rounds would mostly compare round 1 (every user's
        # first list) with the warm rounds, not the spread within one burst.
        worst = max(rounds, key=lambda r: r["p99"] / r["p50"])
        ratio = worst["p99"] / worst["p50"]
        add(f"p99 ≤ 3× p50 under the {load['users']}-user load (worst round)",
            f"round {worst['round']}: p99 {ms(worst['p99'])} ms / p50 {ms(worst['p50'])} ms = {ratio:.2f}×"
            + (f", {load['errors']} errors" if load["errors"] else ""),
            ratio <= 3 and load["errors"] == 0)
    if not rows:
        return
    print("\nTargets")
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    for name, value, verdict in rows:
        print(f"  {name:<{w0}}  {value:<{w1}}  {verdict}")
    sys.stdout.flush()


# --- main -------------------------------------------------------------------------------------

def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000", help="INBOX sizes, comma-separated (default 10000,100000)")
    ap.add_argument("--runs", type=int, default=15, help="timed runs per step and variant (default 15)")
    ap.add_argument("--json", metavar="FILE", help="also write every number to FILE")
    ap.add_argument("--word", default="report",
                    help="subject word to search for (default report: ~5%% of fill.py's subjects)")
    ap.add_argument("--no-build", action="store_true", help="use the already built release binary")
    ap.add_argument("--keep", action="store_true", help="leave the rig directory in /tmp (it is stopped anyway)")
    ap.add_argument("--skip-steps", action="store_true", help="skip the per-size step tables (and the big fills)")
    ap.add_argument("--skip-warm", action="store_true",
                    help="per size, measure only the cold first page and send (skip page N, open, search, flag)")
    ap.add_argument("--skip-load", action="store_true", help="skip the concurrent-users listing")
    ap.add_argument("--skip-rss", action="store_true", help="skip the sessions + event streams memory reading")
    ap.add_argument("--users", type=int, default=200,
                    help="users for the load and memory parts (default 200)")
    ap.add_argument("--user-messages", type=int, default=200,
                    help="messages in each of those users' INBOX (default 200)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of the concurrent listing (default 5)")
    ap.add_argument("--logins-per-user", type=int, default=5,
                    help="sessions per user for the memory reading (default 5: 1,000 with 200 users)")
    ap.add_argument("--streams", type=int, default=200,
                    help="users holding an event stream during the memory reading (default 200)")
    a = ap.parse_args()
    try:
        a.sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    except ValueError:
        ap.error(f"--sizes must be comma-separated whole numbers, got {a.sizes!r}")
    if a.skip_steps:
        a.sizes = []
    elif not a.sizes or any(s < 1 for s in a.sizes) or len(set(a.sizes)) != len(a.sizes):
        ap.error("--sizes needs distinct positive numbers")
    if a.runs < 1:
        ap.error("--runs must be at least 1")
    if not a.word.isalnum() or not a.word.isascii():
        ap.error("--word must be a single ASCII word")
    if a.users < 1 or a.user_messages < 1 or a.rounds < 1 or a.logins_per_user < 1 or a.streams < 0:
        ap.error("--users, --user-messages, --rounds and --logins-per-user must be at least 1")
    a.streams = min(a.streams, a.users)
    if a.skip_steps and a.skip_load and a.skip_rss:
        ap.error("nothing to do: every part is skipped")
    return a


def main():
    a = parse_args()
    if os.geteuid() != 0:
        sys.exit("bench.py: error: must run as root (the mail rig starts Postfix and Dovecot); "
                 "use: sudo python3 scripts/bench.py")
    # SIGTERM ends us through the finally blocks, like Ctrl-C.
    def on_term(*_):
        raise KeyboardInterrupt("SIGTERM")
    signal.signal(signal.SIGTERM, on_term)
    # Letterbox and Dovecot (started from here) hold ~1,000 sockets in the load and memory parts;
    # sudo's usual soft limit of 1024 open files would be too tight.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    rig_dir = f"/tmp/lb-bench-{os.getpid()}"
    lb_proc = None
    rig_started = False
    started_at = time.time()
    load_before = os.getloadavg()
    try:
        binary = build(a.no_build)

        if os.path.exists(rig_dir):
            raise BenchError(f"{rig_dir} already exists")
        log(f"starting the mail rig in {rig_dir}")
        rig_started = True
        run(["bash", os.path.join(REPO, "scripts/rig/start.sh"), rig_dir, "--owner-pid", str(os.getpid())],
            "rig start", timeout=900, capture=True)
        env = read_env(os.path.join(rig_dir, "rig.env"))

        users = {}
        for i, size in enumerate(a.sizes):
            users[size] = (f"bench{i}-{size}@example.test", f"bench-pw-{i}-{size}")
            add_user(rig_dir, *users[size])
        many = []
        if not (a.skip_load and a.skip_rss):
            many = [(f"load{i}@example.test", f"load-pw-{i}") for i in range(a.users)]
            for user, password in many:
                add_user(rig_dir, user, password)
        time.sleep(1.5)   # Dovecot re-reads the passwd-file at most once a second

        fill_s, warm_s = {}, {}
        for size in a.sizes:
            user, password = users[size]
            log(f"filling {user} with {size} messages")
            t = time.monotonic()
            run([sys.executable, os.path.join(REPO, "scripts/rig/fill.py"), "--dir", rig_dir,
                 "--user", user, "--count", str(size)], "fill.py", timeout=1800, capture=True)
            fill_s[size] = time.monotonic() - t
            t = time.monotonic()
            imap = imap_connect(env, user, password)
            try:
                n = len(uid_sort(imap, "ALL"))
            finally:
                imap_logout(imap)
            warm_s[size] = time.monotonic() - t
            if n != size:
                raise BenchError(f"{user}: INBOX has {n} messages after filling, expected {size}")
            log(f"filled in {fill_s[size]:.1f}s; first UID SORT (cache warm-up) took {warm_s[size]:.1f}s")
        if many:
            log(f"filling {len(many)} users with {a.user_messages} messages each")
            t = time.monotonic()
            fill_users(rig_dir, many, a.user_messages)
            log(f"filled in {time.monotonic() - t:.1f}s")

        log("starting Letterbox")
        lb_proc, base, lb_log = start_letterbox(binary, env, rig_dir)
        log(f"Letterbox pid {lb_proc.pid} at {base}")

        def check_alive():
            if lb_proc.poll() is not None:
                raise BenchError(f"Letterbox exited with {lb_proc.returncode}:\n{tail(lb_log)}")

        all_data = {}
        for size in a.sizes:
            log(f"measuring {size} messages, {a.runs} runs per step")
            cold, cold_details = bench_cold(size, *users[size], env, binary, rig_dir, a.runs)
            data = bench_size(size, *users[size], env, base, a.runs, a.word, warm_steps=not a.skip_warm)
            check_alive()
            for variant in data["results"]:
                data["results"][variant] = {**cold[variant], **data["results"][variant]}
            data["steps"] = ["first page cold", "first page warm"] + data["steps"]
            data.update(runs=a.runs, rss_kb=proc_status(lb_proc.pid), cold_details=cold_details,
                        fill_s=round(fill_s[size], 2), warm_sort_s=round(warm_s[size], 2))
            all_data[size] = data
            print_table(size, data, data["rss_kb"])
        if all_data:
            print("\n" + textwrap.fill(COLD_MEANING, 100))
        print_scaling(all_data)

        load = rss = None
        tokens = None
        if not a.skip_load:
            log(f"load: logging in {len(many)} users")
            t = time.monotonic()
            tokens = login_all(base, many)
            log(f"load: {len(tokens)} logins in {time.monotonic() - t:.1f}s")
            load = bench_load(base, many, tokens, a.rounds)
            check_alive()
            print_load(load)
        if not a.skip_rss:
            log(f"rss: {len(many) * a.logins_per_user} sessions, {a.streams} event streams")
            rss = bench_rss(base, lb_proc.pid, env, many, tokens, a.logins_per_user, a.streams)
            check_alive()
            print_rss(rss)
        print_targets(all_data, load, rss)

        total = time.time() - started_at
        load_after = os.getloadavg()
        print(f"\nTotal time {total:.0f}s; load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
              f"({os.cpu_count()} CPUs)")
        if a.json:
            doc = {"started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started_at)),
                   "total_s": round(total, 1), "runs": a.runs, "cpus": os.cpu_count(),
                   "loadavg_before": load_before, "loadavg_after": load_after,
                   "fetch_items": FETCH_ITEMS, "cold_meaning": COLD_MEANING,
                   "sizes": {str(s): d for s, d in all_data.items()}, "load": load, "rss": rss}
            with open(a.json, "w") as f:
                json.dump(doc, f, indent=2)
            log(f"wrote {a.json}")
    except BenchError as e:
        print(f"bench.py: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as e:
        print(f"bench.py: interrupted{' by ' + str(e) if str(e) else ''}; cleaning up", file=sys.stderr)
        return 130
    finally:
        stop_letterbox(lb_proc)
        if rig_started:
            log("stopping the mail rig")
            try:
                stopped = subprocess.run(["bash", os.path.join(REPO, "scripts/rig/stop.sh"), rig_dir],
                                         stdout=subprocess.DEVNULL, timeout=120).returncode == 0
            except subprocess.TimeoutExpired:
                stopped = False
            if not stopped:
                log(f"WARNING: scripts/rig/stop.sh {rig_dir} failed; its watchdog stops the rig once we exit")
            if stopped and not a.keep:
                shutil.rmtree(rig_dir, ignore_errors=True)
            elif os.path.isdir(rig_dir):
                log(f"rig directory kept: {rig_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
