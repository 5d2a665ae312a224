#!/usr/bin/env python3
"""Benchmarks Letterbox's JSON API against a raw IMAP client on a private mail rig with big INBOXes.

Usage (as root, from anywhere in the repository):

    sudo python3 scripts/bench.py [--sizes 10000,100000] [--runs 15] [--json FILE]
                                  [--word report] [--no-build] [--keep]

Builds Letterbox in release mode (honouring CARGO_TARGET_DIR), starts a private Dovecot +
Postfix rig under /tmp/lb-bench-<pid> (scripts/rig/start.sh), fills one fresh user's INBOX per
size with scripts/rig/fill.py, warms Dovecot's sort cache, starts Letterbox against the rig and
times four steps (first page, page 100, open message, subject search) three ways:
Letterbox's API, a raw IMAP client on one kept connection, and a raw IMAP client that opens a
new connection per request (connect + STARTTLS + LOGIN + SELECT + commands + LOGOUT, as
Roundcube does). Before the timed runs of a step each variant does one untimed warm-up run; the
timed runs of the three variants are interleaved so background load hits them alike.
Tables go to stdout, progress to stderr. Everything started is stopped again, also on Ctrl-C.
Only 127.0.0.1 is ever contacted.
"""
import argparse
import imaplib
import json
import math
import os
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"
PAGE = 50
HTTP_TIMEOUT = 120       # seconds per HTTP request
IMAP_TIMEOUT = 120       # seconds per IMAP socket operation
FETCH_ITEMS = "(UID FLAGS INTERNALDATE RFC822.SIZE BODYSTRUCTURE BODY.PEEK[HEADER])"
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
    got = [d for d in data if isinstance(d, tuple)]
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


def start_letterbox(binary, env, rig_dir):
    port = free_port()
    lb_env = dict(os.environ,
                  LETTERBOX_LISTEN=f"{HOST}:{port}",
                  LETTERBOX_IMAP=f"imap://{HOST}:{env['RIG_IMAP_PORT']}",
                  LETTERBOX_CA_FILE=env["RIG_CA_FILE"],
                  LETTERBOX_DATA_DIR=os.path.join(rig_dir, "lb-data"),
                  RUST_LOG="warn")
    log_path = os.path.join(rig_dir, "letterbox.log")
    with open(log_path, "w") as log_file:
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
                raise BenchError(f"Letterbox did not answer GET /healthz with 200 within 60s:\n{tail(log_path)}")
            time.sleep(0.1)


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
    return out


# --- measuring --------------------------------------------------------------------------------

def timed(fn):
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000.0


def summary(samples):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
            "runs_ms": [round(s, 3) for s in samples]}


def bench_size(size, user, password, env, base, runs, word):
    """Measures one filled INBOX; returns {variant: {step: summary}} plus details."""
    pages = max(1, math.ceil(size / PAGE))
    page_no = min(100, pages)
    steps = ["first page", f"page {page_no}", "open message", "search subject"]
    inbox = "/api/v1/mailboxes/INBOX/messages"
    q = urllib.parse.quote(f"subject:{word}")

    # --- Letterbox: log in once, get the first page's ids and page N's cursor once.
    token = json.loads(http(base, "POST", "/api/v1/session",
                            body={"username": user, "password": password}, expect=201))["accessToken"]
    first = json.loads(http(base, "GET", f"{inbox}?limit={PAGE}", token))
    ids = [m["id"] for m in first["items"]]
    lb_first_uids = [m["uid"] for m in first["items"]]
    if len(ids) != min(PAGE, size) or first["total"] != size:
        raise BenchError(f"first page for {user}: {len(ids)} items, total {first['total']} (expected {size})")
    t = time.monotonic()
    cursor, page = None, first
    for _ in range(page_no - 1):
        cursor = page["nextCursor"]
        if not cursor:
            raise BenchError(f"{user}: no nextCursor before page {page_no}")
        page = json.loads(http(base, "GET", f"{inbox}?limit={PAGE}&cursor={urllib.parse.quote(cursor)}", token))
    lb_pageN_uids = [m["uid"] for m in page["items"]]
    log(f"{size}: followed nextCursor {page_no - 1} times in {time.monotonic() - t:.1f}s")
    cursor_q = f"&cursor={urllib.parse.quote(cursor)}" if cursor else ""
    search = json.loads(http(base, "GET", f"{inbox}?limit={PAGE}&q={q}", token))
    if not search["items"]:
        raise BenchError(f"Letterbox search subject:{word} found nothing; pick another --word")

    lb_i = {"open": 0}

    def lb_first():
        http(base, "GET", f"{inbox}?limit={PAGE}", token)

    def lb_page():
        http(base, "GET", f"{inbox}?limit={PAGE}{cursor_q}", token)

    def lb_open():
        mid = ids[lb_i["open"] % len(ids)]
        lb_i["open"] += 1
        http(base, "GET", f"/api/v1/messages/{urllib.parse.quote(mid, safe='')}", token)

    def lb_search():
        http(base, "GET", f"{inbox}?limit={PAGE}&q={q}", token)

    # --- raw IMAP.
    lo, hi = (page_no - 1) * PAGE, page_no * PAGE
    crit = f'SUBJECT "{word}"'

    def raw_first(imap):
        return uid_fetch(imap, uid_sort(imap, "ALL")[:PAGE], FETCH_ITEMS)

    def raw_page(imap):
        return uid_fetch(imap, uid_sort(imap, "ALL")[lo:hi], FETCH_ITEMS)

    raw_i = {"kept": 0, "new": 0}

    def raw_open(imap, which):
        uid = lb_first_uids[raw_i[which] % len(lb_first_uids)]
        raw_i[which] += 1
        return uid_fetch(imap, [uid], "(BODY.PEEK[])")

    def raw_search(imap):
        return uid_fetch(imap, uid_sort(imap, crit)[:PAGE], FETCH_ITEMS)

    kept = imap_connect(env, user, password)
    try:
        # Same work? The raw client must see the same pages and matches as Letterbox.
        all_uids = uid_sort(kept, "ALL")
        if all_uids[:PAGE] != lb_first_uids or all_uids[lo:hi] != lb_pageN_uids:
            log(f"WARNING {size}: Letterbox's pages differ from raw UID SORT (REVERSE DATE)")
        matches = uid_sort(kept, crit)
        if len(matches) != search["total"]:
            log(f"WARNING {size}: raw SUBJECT search found {len(matches)}, Letterbox {search['total']}")

        def new_conn(op):
            def go():
                imap = imap_connect(env, user, password)
                try:
                    op(imap)
                finally:
                    imap_logout(imap)
            return go

        variants = {
            "letterbox": [lb_first, lb_page, lb_open, lb_search],
            "raw_kept": [lambda: raw_first(kept), lambda: raw_page(kept),
                         lambda: raw_open(kept, "kept"), lambda: raw_search(kept)],
            "raw_new": [new_conn(raw_first), new_conn(raw_page),
                        new_conn(lambda i: raw_open(i, "new")), new_conn(raw_search)],
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
        for idx in range(4):
            s_step = all_data[small]["steps"][idx]
            b_step = all_data[big]["steps"][idx]
            s = all_data[small]["results"][variant][s_step]
            b = all_data[big]["results"][variant][b_step]
            within = s["min"] <= b["median"] <= s["max"]
            label = s_step if s_step == b_step else f"{s_step}/{b_step}"
            verdict = "yes" if within else f"no ({b['median'] - s['median']:+.1f} ms, {b['median'] / s['median']:.2f}×)"
            if variant == "letterbox" or idx == 0:
                print(f"  {name:13} {label:15} {small}: {ms(s['median']):>7}   {big}: {ms(b['median']):>7}   "
                      f"within noise: {verdict}")
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
    a = ap.parse_args()
    try:
        a.sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    except ValueError:
        ap.error(f"--sizes must be comma-separated whole numbers, got {a.sizes!r}")
    if not a.sizes or any(s < 1 for s in a.sizes) or len(set(a.sizes)) != len(a.sizes):
        ap.error("--sizes needs distinct positive numbers")
    if a.runs < 1:
        ap.error("--runs must be at least 1")
    if not a.word.isalnum() or not a.word.isascii():
        ap.error("--word must be a single ASCII word")
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

        log("starting Letterbox")
        lb_proc, base, lb_log = start_letterbox(binary, env, rig_dir)
        log(f"Letterbox pid {lb_proc.pid} at {base}")

        all_data = {}
        for size in a.sizes:
            log(f"measuring {size} messages, {a.runs} runs per step")
            data = bench_size(size, *users[size], env, base, a.runs, a.word)
            if lb_proc.poll() is not None:
                raise BenchError(f"Letterbox exited with {lb_proc.returncode}:\n{tail(lb_log)}")
            data.update(runs=a.runs, rss_kb=proc_status(lb_proc.pid),
                        fill_s=round(fill_s[size], 2), warm_sort_s=round(warm_s[size], 2))
            all_data[size] = data
            print_table(size, data, data["rss_kb"])
        print_scaling(all_data)

        total = time.time() - started_at
        load_after = os.getloadavg()
        print(f"\nTotal time {total:.0f}s; load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
              f"({os.cpu_count()} CPUs)")
        if a.json:
            doc = {"started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started_at)),
                   "total_s": round(total, 1), "runs": a.runs, "cpus": os.cpu_count(),
                   "loadavg_before": load_before, "loadavg_after": load_after,
                   "fetch_items": FETCH_ITEMS, "sizes": {str(s): d for s, d in all_data.items()}}
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
