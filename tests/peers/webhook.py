#!/usr/bin/env python3
"""A webhook receiver for the vendor-audit alert tests (python3 stdlib only).

Usage: webhook.py --listen HOST:PORT --out FILE [--fail-first N] [--path PATH] [--log FILE]

It stands in for a Slack/Teams incoming webhook, and can be made to fail the way a real one
does now and then (issue 11: alerts are retried, and kept in the history when undelivered).

  POST PATH   (any path when --path is not given) attempt number k (counted from 1 over the
              server's life, every POST to PATH counts): k <= N answers 500 and keeps nothing;
              after that it answers 200 "ok" and appends one JSON line to --out:
                {"attempt": k, "received_at": "<UTC RFC 3339>", "body": <the body>}
              where <the body> is the request body parsed as JSON (a body that is not JSON is
              kept as a string). The line is written and flushed before the answer is sent, so
              a client that got its 200 finds its alert in the file.
  POST other  404, not counted (a client that lost the URL's path, e.g. its secret token).
  GET  /      200 "webhook receiver" (a health check; not counted).

--fail-first N  answer 500 to the first N POSTs to PATH (default 0).
--out FILE      where the received bodies go, one JSON line each (appended).
--path PATH     the only path that receives (e.g. /hooks/SECRET-TOKEN-abc).
--log FILE      one line per POST attempt: "<UTC RFC 3339 with ms> attempt k: <status>"
                (never the path: a webhook URL's path is a secret).

The attempt count is also kept in FILE.attempts (the --out file's name with ".attempts"
appended): the number of POSTs to PATH so far, rewritten at each attempt.
"""
import argparse
import json
import sys
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
ATTEMPTS = 0
ARGS = None
MAX_BODY = 1 << 20


def now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def log(line):
    if ARGS.log:
        with open(ARGS.log, "a", encoding="utf-8") as f:
            f.write("%s %s\n" % (now(), line))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass  # the default line names the path, which may be secret

    def answer(self, status, text):
        body = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.answer(200 if self.path == "/" else 404, "webhook receiver\n")

    def do_POST(self):
        global ATTEMPTS
        length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
        raw = self.rfile.read(length) if length > 0 else b""
        if ARGS.path is not None and self.path != ARGS.path:
            self.answer(404, "no such hook\n")
            return
        with LOCK:
            ATTEMPTS += 1
            k = ATTEMPTS
            with open(ARGS.out + ".attempts", "w", encoding="utf-8") as f:
                f.write("%d\n" % k)
            if k <= ARGS.fail_first:
                log("attempt %d: 500 (failing the first %d)" % (k, ARGS.fail_first))
                status = 500
            else:
                text = raw.decode("utf-8", errors="replace")
                try:
                    body = json.loads(text)
                except ValueError:
                    body = text
                line = json.dumps({"attempt": k, "received_at": now(), "body": body},
                                  ensure_ascii=False)
                with open(ARGS.out, "a", encoding="utf-8") as f:
                    f.write(line + "\n")
                    f.flush()
                log("attempt %d: 200 (%d bytes kept)" % (k, len(raw)))
                status = 200
        self.answer(status, "failing on purpose\n" if status == 500 else "ok\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", required=True, help="HOST:PORT")
    ap.add_argument("--out", required=True, help="received bodies, one JSON line each")
    ap.add_argument("--fail-first", type=int, default=0, help="answer 500 to the first N POSTs")
    ap.add_argument("--path", help="the only path that receives")
    ap.add_argument("--log", help="one line per attempt, with a timestamp")
    ARGS = ap.parse_args()
    host, _, port = ARGS.listen.rpartition(":")
    srv = Server((host, int(port)), Handler)
    sys.stderr.write("webhook receiver on %s (failing the first %d)\n" % (ARGS.listen, ARGS.fail_first))
    sys.stderr.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()
