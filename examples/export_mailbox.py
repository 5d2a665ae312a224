#!/usr/bin/env python3
"""Saves every message of one Letterbox mailbox, using an API token, in one request.

Usage: LETTERBOX_URL=https://mail.example.com LETTERBOX_TOKEN=... \
       python3 examples/export_mailbox.py [--mbox] [MAILBOX] [DIRECTORY]

MAILBOX is a mailbox id or a role (default INBOX; e.g. `sent`, `archive`); DIRECTORY defaults to
./export-MAILBOX. Downloads `GET /api/v1/mailboxes/MAILBOX/export?format=zip` and unpacks one
`.eml` file per message into DIRECTORY (`000001-<uid>.eml`, in UID order); with `--mbox` it
saves the folder as DIRECTORY/MAILBOX.mbox (mboxrd) instead. One request however large the
folder, so the rate limit is never in the way; should the server still answer 429 (or 503 when
busy), the script waits as `Retry-After` (or `RateLimit-Reset`) says and tries again, and a
download that breaks off is started again. A token from `POST /api/v1/tokens` with the
`mail.read` scope is enough (a session token from `POST /api/v1/session` works the same way).
Standard library only.
"""
import http.client
import json
import os
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile

ATTEMPTS = 8
# When the rate limit window said "none left": the next request waits until then.
resume_at = 0.0


def wait_time(headers, attempt):
    """Seconds to wait before trying again: Retry-After, else RateLimit-Reset, else backing off."""
    for name in ("Retry-After", "RateLimit-Reset"):
        value = headers.get(name) if headers else None
        if value and value.strip().isdigit():
            return min(int(value), 300) + 0.5
    return min(2 ** attempt, 60)


def download(base, token, path, params, target):
    """GETs `path` under the API into the file `target`, honouring 429/503 and retrying a broken
    download; returns the response headers. Exits with the problem's detail on other errors."""
    global resume_at
    url = base.rstrip("/") + path + ("?" + urllib.parse.urlencode(params) if params else "")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    for attempt in range(ATTEMPTS):
        time.sleep(max(0.0, resume_at - time.time()))
        try:
            with urllib.request.urlopen(request, timeout=300) as response, open(target, "wb") as file:
                shutil.copyfileobj(response, file, 1 << 20)
                headers = response.headers
            # Calls after this one wait for the next window instead of running into 429.
            if headers.get("RateLimit-Remaining") == "0":
                resume_at = time.time() + wait_time(headers, attempt)
            return headers
        except urllib.error.HTTPError as err:
            if err.code in (429, 503) and attempt + 1 < ATTEMPTS:
                delay = wait_time(err.headers, attempt)
                print(f"{err.code} from the server; trying again in {delay:.0f} s", file=sys.stderr)
                time.sleep(delay)
                continue
            try:
                problem = json.load(err)
                reason = f"{problem.get('title')}: {problem.get('detail')}"
            except ValueError:
                reason = err.reason
            sys.exit(f"GET {path}: {err.code} {reason}")
        except (http.client.IncompleteRead, ConnectionError, TimeoutError, urllib.error.URLError) as err:
            # The server cuts the download off when it cannot finish it: start it again.
            if attempt + 1 >= ATTEMPTS:
                sys.exit(f"GET {path}: {err}")
            delay = wait_time(None, attempt)
            print(f"download broke off ({err}); starting again in {delay:.0f} s", file=sys.stderr)
            time.sleep(delay)
    sys.exit(f"GET {path}: gave up after {ATTEMPTS} attempts")


def main():
    base = os.environ.get("LETTERBOX_URL") or sys.exit("set LETTERBOX_URL (e.g. http://127.0.0.1:8080)")
    token = os.environ.get("LETTERBOX_TOKEN") or sys.exit("set LETTERBOX_TOKEN")
    args = [a for a in sys.argv[1:] if a != "--mbox"]
    as_mbox = len(args) < len(sys.argv) - 1
    mailbox = args[0] if args else "INBOX"
    directory = args[1] if len(args) > 1 else f"export-{mailbox}"
    os.makedirs(directory, exist_ok=True)
    path = f"/api/v1/mailboxes/{urllib.parse.quote(mailbox, safe='')}/export"
    safe_name = "".join(c if c.isalnum() or c in "-_" else "_" for c in mailbox)
    if as_mbox:
        target = os.path.join(directory, f"{safe_name}.mbox")
        download(base, token, path, {"format": "mbox"}, target + ".part")
        os.replace(target + ".part", target)
        print(f"{mailbox} saved as {target}")
        return
    archive = os.path.join(directory, f".{safe_name}.zip.part")
    for attempt in range(ATTEMPTS):
        download(base, token, path, {"format": "zip"}, archive)
        try:
            with zipfile.ZipFile(archive) as zipped:
                names = zipped.namelist()
                for name in names:
                    # Names are the server's `NNNNNN-<uid>.eml`; refuse anything else.
                    if os.path.basename(name) != name or not name.endswith(".eml"):
                        sys.exit(f"unexpected file name in the archive: {name!r}")
                    with zipped.open(name) as source, open(os.path.join(directory, name), "wb") as file:
                        shutil.copyfileobj(source, file)
            break
        except zipfile.BadZipFile as err:  # cut off without an error the client noticed
            print(f"incomplete archive ({err}); downloading again", file=sys.stderr)
    else:
        sys.exit("could not get a complete archive")
    os.remove(archive)
    print(f"{len(names)} messages of {mailbox} saved in {directory}/")


if __name__ == "__main__":
    main()
