#!/usr/bin/env python3
"""Saves every message of one Letterbox mailbox as .eml files, using an API token.

Usage: LETTERBOX_URL=https://mail.example.com LETTERBOX_TOKEN=... \
       python3 examples/export_mailbox.py [MAILBOX] [DIRECTORY]

MAILBOX is a mailbox id or a role (default INBOX; e.g. `sent`, `archive`); DIRECTORY defaults to
./export-MAILBOX. A token from `POST /api/v1/tokens` with the `mail.read` scope is enough (a
session token from `POST /api/v1/session` works the same way). Standard library only.
"""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


def api(base, token, path, params=None):
    """GETs `path` under the API; returns the body as bytes. Exits with the problem's detail on an error."""
    url = base.rstrip("/") + path
    if params:
        url += "?" + urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read()
    except urllib.error.HTTPError as err:
        try:
            problem = json.load(err)
            reason = f"{problem.get('title')}: {problem.get('detail')}"
        except ValueError:
            reason = err.reason
        sys.exit(f"GET {path}: {err.code} {reason}")


def main():
    base = os.environ.get("LETTERBOX_URL") or sys.exit("set LETTERBOX_URL (e.g. http://127.0.0.1:8080)")
    token = os.environ.get("LETTERBOX_TOKEN") or sys.exit("set LETTERBOX_TOKEN")
    mailbox = sys.argv[1] if len(sys.argv) > 1 else "INBOX"
    directory = sys.argv[2] if len(sys.argv) > 2 else f"export-{mailbox}"
    os.makedirs(directory, exist_ok=True)
    quoted = urllib.parse.quote(mailbox, safe="")
    cursor, saved = None, 0
    while True:
        page = json.loads(api(base, token, f"/api/v1/mailboxes/{quoted}/messages", {"limit": 100, "cursor": cursor}))
        for item in page["items"]:
            raw = api(base, token, f"/api/v1/messages/{urllib.parse.quote(item['id'], safe='')}/raw")
            # The UID orders the files as the server does; ids are URL-safe, so fine as names.
            with open(os.path.join(directory, f"{item['uid']:08d}-{item['id']}.eml"), "wb") as file:
                file.write(raw)
            saved += 1
        print(f"{saved} of {page['total']} saved", file=sys.stderr)
        cursor = page.get("nextCursor")
        if not cursor:
            break
    print(f"{saved} messages of {mailbox} saved in {directory}/")


if __name__ == "__main__":
    main()
