#!/usr/bin/env python3
"""A small application-form site for the vendor-audit lab (python3 stdlib only).

Usage: formapp.py --listen HOST:PORT (--mode leaky|correct | --mode-file FILE)

It reproduces the voucher incident's site (seed/INCIDENTS.md): an application
form, a confirm step that keeps the entry in a server-side cookie session, and
an edit page that shows the stored entry back in the form's inputs.

  GET  /apply          the empty application form (name, address, tel, email, csrf)
  POST /apply/confirm  stores the urlencoded fields in the session (cookie SESSION,
                       new when missing or unknown), 303 to /apply/edit
  GET  /apply/edit     the same form, filled from the session; empty without one
  GET  /notyet         200 "not open yet" page without any input field
  GET  /gone           404
  GET  /away           302 to http://outside.invalid/apply (a host outside any vendor)
  GET  /huge           200, a 20 MiB body, streamed
  GET  /slow           200, Content-Length 100000, a few bytes, then silence for 120 s
  GET  /filled         the form already filled with a fixed applicant's entry (FILLED): the page
                       a misconfigured cache serves to the next visitor (issue 11: the history
                       stores that a field was filled, never its value)
  GET  /case/NAME      the empty form with exactly the header set CASES[NAME] (whatever the
                       mode; issue 10, shared-cache storability as caches behave), a strong
                       ETag, and 304 to a matching If-None-Match (so a cache can revalidate)

leaky:   no Cache-Control on the form pages, a Last-Modified 50 minutes before
         Date (so a shared cache may keep them heuristically: Squid's 20% gives
         10 minutes), a bare session cookie (no Secure/HttpOnly/SameSite).
correct: Cache-Control: no-store, private on every response, and
         SESSION=...; Secure; HttpOnly; SameSite=Lax; Path=/.
notyet:  (only with --mode-file) as leaky, but /apply answers the "not open yet" page:
         a form before its go-live.

--mode-file FILE: the mode is the first word of FILE, read again on every request, so that a
test can change a running app (publish a form early, switch it to no-store) without a restart.

The csrf token is a random value per page and is not checked: it is there so
the form looks like a real one, not to protect the lab.
"""
import argparse
import html
import secrets
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

FIELDS = [
    # (name, autocomplete, type, label)
    ("name", "name", "text", "氏名 / Name"),
    ("address", "street-address", "text", "住所 / Address"),
    ("tel", "tel", "tel", "電話番号 / Phone"),
    ("email", "email", "email", "メールアドレス / Email"),
]
HUGE_SIZE = 20 * 1024 * 1024
SLOW_LENGTH = 100000
SLOW_HOLD = 120  # seconds

# Header sets of /case/NAME: pages a shared cache may store although they look uncacheable
# (issue 10, section 4), and one that no cache stores. Each response's csrf token is new, so
# two equal bodies mean the second came from a cache.
CASES = {
    # Any Expires is a basis for storing; 0, a past or an unparsable date is stale (RFC 9111 §5.3).
    "expires-zero": [("Expires", "0")],
    "expires-past": [("Expires", "Thu, 01 Jan 1970 00:00:00 GMT")],
    "expires-invalid": [("Expires", "tomorrow")],
    # The two obsolete HTTP-date formats (RFC 9110 §5.6.7), both in 2050 (8 August is a Monday).
    "expires-rfc850": [("Expires", "Thursday, 18-Aug-50 02:01:18 GMT")],
    "expires-asctime": [("Expires", "Mon Aug  8 02:01:18 2050")],
    # no-store with must-understand on a status a cache understands (RFC 9111 §5.2.2.3).
    "must-understand": [("Cache-Control", "no-store, must-understand, max-age=600")],
    # Varnish's builtin VCL skips its private/no-store test when Surrogate-Control is present.
    "surrogate": [("Cache-Control", "private, max-age=600"),
                  ("Surrogate-Control", 'content="ESI/1.0"')],
    "surrogate-max-age-0": [("Cache-Control", "private"), ("Surrogate-Control", "max-age=0")],
    # nginx stores what X-Accel-Expires allows, whatever Cache-Control says (either order).
    "accel-expires": [("Cache-Control", "private"), ("X-Accel-Expires", "600")],
    "accel-expires-first": [("X-Accel-Expires", "600"), ("Cache-Control", "private")],
    # Storable, but a stored copy never matches without revalidation (RFC 9111 §4.1).
    "vary-star": [("Cache-Control", "max-age=600"), ("Vary", "*")],
    # CDN-Cache-Control (RFC 9213): not a structured dictionary (keys are lower case), so a CDN
    # ignores it; and a valid one whose max-age is a String, which a CDN does not consume.
    "cdn-invalid": [("Cache-Control", "no-store"), ("CDN-Cache-Control", "MAX-AGE=600")],
    "cdn-string-ttl": [("Cache-Control", "no-store"), ("CDN-Cache-Control", 'max-age="600"')],
    # The control: no cache may store it.
    "no-store": [("Cache-Control", "no-store")],
}

SESSIONS = {}  # token -> {field: value}
LOCK = threading.Lock()
MODE = "leaky"
MODE_FILE = None
# The entry /filled shows: made-up, and distinctive so that a test can look for it in files.
FILLED = {"name": "Sentinel Hanako 7f3a", "address": "1-2-3 Sentinel-cho 7f3a",
          "tel": "0312347f3a", "email": "sentinel-7f3a@example.invalid"}


def mode():
    """The current mode: --mode, or the first word of --mode-file as it is now."""
    if MODE_FILE is None:
        return MODE
    try:
        with open(MODE_FILE, encoding="utf-8") as f:
            word = (f.read().split() or ["leaky"])[0]
    except OSError:
        word = "leaky"
    return word if word in ("leaky", "correct", "notyet") else "leaky"


def form_page(title, entry):
    rows = []
    for name, ac, typ, label in FIELDS:
        value = html.escape(entry.get(name, ""), quote=True)
        rows.append(
            '<p><label for="%s">%s</label> '
            '<input id="%s" name="%s" type="%s" autocomplete="%s" value="%s"></p>'
            % (name, label, name, name, typ, ac, value)
        )
    return (
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
        "<title>%s</title></head><body>\n<h1>%s</h1>\n"
        '<form method="post" action="/apply/confirm">\n%s\n'
        '<input type="hidden" name="csrf" value="%s">\n'
        '<button type="submit">確認 / Confirm</button>\n</form>\n</body></html>\n'
        % (title, title, "\n".join(rows), secrets.token_hex(16))
    ).encode("utf-8")


NOT_YET = (
    "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
    "<title>受付開始前です</title></head><body>\n"
    "<h1>受付開始前です / not open yet</h1>\n"
    "<p>お申し込みは受付開始後にお願いします。 Applications open later.</p>\n"
    "</body></html>\n"
).encode("utf-8")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "formapp/1"

    def log_message(self, fmt, *args):  # one line per request, to the spawn log
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    # ------------------------------------------------------------- helpers
    def session(self):
        cookie = self.headers.get("Cookie", "")
        for part in cookie.split(";"):
            k, _, v = part.strip().partition("=")
            if k == "SESSION":
                with LOCK:
                    if v in SESSIONS:
                        return v
        return None

    def common_headers(self, cacheable_page):
        if mode() == "correct":
            self.send_header("Cache-Control", "no-store, private")
        elif cacheable_page:
            self.send_header("Last-Modified", formatdate(time.time() - 3000, usegmt=True))

    def send_body(self, status, body, ctype="text/html; charset=utf-8", cacheable_page=False,
                  extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.common_headers(cacheable_page)
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    # -------------------------------------------------------------- routes
    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/apply" and mode() == "notyet":
            self.send_body(200, NOT_YET, cacheable_page=True)
        elif path == "/apply":
            self.send_body(200, form_page("申込フォーム / Application", {}), cacheable_page=True)
        elif path == "/filled":
            self.send_body(200, form_page("申込内容の修正 / Edit your application", FILLED),
                           cacheable_page=True)
        elif path == "/apply/edit":
            token = self.session()
            with LOCK:
                entry = dict(SESSIONS.get(token, {})) if token else {}
            self.send_body(200, form_page("申込内容の修正 / Edit your application", entry),
                           cacheable_page=True)
        elif path == "/notyet":
            self.send_body(200, NOT_YET, cacheable_page=True)
        elif path == "/gone":
            self.send_body(404, b"not found\n", ctype="text/plain")
        elif path == "/away":
            self.send_body(302, b"moved\n", ctype="text/plain",
                           extra=[("Location", "http://outside.invalid/apply")])
        elif path == "/huge":
            self.huge()
        elif path == "/slow":
            self.slow()
        elif path.startswith("/case/") and path[len("/case/"):] in CASES:
            self.case(path[len("/case/"):])
        else:
            self.send_body(404, b"not found\n", ctype="text/plain")

    def do_POST(self):
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        if length > 65536:
            self.send_body(413, b"too large\n", ctype="text/plain")
            return
        raw = self.rfile.read(length).decode("utf-8", "replace")
        if path != "/apply/confirm":
            self.send_body(404, b"not found\n", ctype="text/plain")
            return
        form = parse_qs(raw, keep_blank_values=True)
        entry = {name: form.get(name, [""])[0] for name, _, _, _ in FIELDS}
        token = self.session()
        with LOCK:
            if token is None:
                token = secrets.token_urlsafe(24)
            SESSIONS[token] = entry
        if mode() == "correct":
            cookie = "SESSION=%s; Secure; HttpOnly; SameSite=Lax; Path=/" % token
        else:
            cookie = "SESSION=%s; Path=/" % token
        self.send_body(303, b"see /apply/edit\n", ctype="text/plain",
                       extra=[("Set-Cookie", cookie), ("Location", "/apply/edit")])

    def case(self, name):
        headers = CASES[name]
        etag = '"case-%s"' % name
        if self.headers.get("If-None-Match") == etag:
            # No Content-Length: on a 304 it would describe the stored body (RFC 9110 §8.6).
            self.send_response(304)
            body = b""
        else:
            self.send_response(200)
            body = form_page("case %s" % name, {})
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def huge(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(HUGE_SIZE))
        self.common_headers(False)
        self.end_headers()
        if self.command == "HEAD":
            return
        chunk = b"<!-- " + b"x" * (65536 - 10) + b" -->\n"
        assert len(chunk) == 65536 and HUGE_SIZE % 65536 == 0
        try:
            for _ in range(HUGE_SIZE // 65536):
                self.wfile.write(chunk)
        except OSError:
            pass  # the client stopped reading at its cap: expected

    def slow(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(SLOW_LENGTH))
        self.common_headers(False)
        self.end_headers()
        if self.command == "HEAD":
            return
        try:
            self.wfile.write(b"<html><body>")
            self.wfile.flush()
            end = time.time() + SLOW_HOLD
            while time.time() < end:
                time.sleep(1)
        except OSError:
            pass
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    global MODE, MODE_FILE
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", required=True, help="HOST:PORT")
    which = ap.add_mutually_exclusive_group(required=True)
    which.add_argument("--mode", choices=["leaky", "correct"])
    which.add_argument("--mode-file", help="a file whose first word is the mode, read per request")
    args = ap.parse_args()
    MODE = args.mode or "leaky"
    MODE_FILE = args.mode_file
    host, _, port = args.listen.rpartition(":")
    srv = Server((host, int(port)), Handler)
    sys.stderr.write("formapp (%s) on %s\n" % ("mode from " + MODE_FILE if MODE_FILE else MODE + " mode", args.listen))
    sys.stderr.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()
