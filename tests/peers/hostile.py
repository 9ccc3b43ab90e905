#!/usr/bin/env python3
"""Servers that misbehave on purpose, for tests/hostile_suite.rs (issue 13).

    python3 tests/peers/hostile.py LOG MODE@IP:PORT [MODE@IP:PORT ...]

Binds every listener, prints "ready" on stdout, then serves until killed. Every accepted
connection is appended to LOG as one JSON line {"listener": "MODE@IP:PORT", "peer": "IP:PORT"},
so the test can prove which listeners the audit touched (the canaries must stay untouched).
Each MODE is one way a compromised or broken server can answer; the bytes are crafted from the
protocol layouts named beside them (no third-party server can be made to send them).
"""

import asyncio
import gzip
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import zlib

FOREVER = 3600
MIB = 1024 * 1024


async def read_request(reader, limit=65536):
    """Reads what the client sent first (an HTTP head, a ClientHello, an X.224 request...)."""
    try:
        return await asyncio.wait_for(reader.read(limit), 10)
    except Exception:
        return b""


async def read_http_head(reader):
    data = b""
    try:
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = await asyncio.wait_for(reader.read(4096), 10)
            if not chunk:
                break
            data += chunk
    except Exception:
        pass
    return data


async def hold(writer):
    try:
        await asyncio.sleep(FOREVER)
    finally:
        writer.close()


def reset(writer):
    """Closes with a TCP RST (SO_LINGER 0), as a crashed server or a middlebox does."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def send(writer, data):
    writer.write(data)
    await writer.drain()


async def stream(writer, chunk, total=None):
    """Writes `chunk` again and again (up to `total` bytes, or until the client goes)."""
    sent = 0
    while total is None or sent < total:
        writer.write(chunk)
        await writer.drain()
        sent += len(chunk)


# ---- host ports (the sweep) -------------------------------------------------------------------

async def tarpit(reader, writer):
    await hold(writer)


async def reset_after_accept(reader, writer):
    reset(writer)


async def garbage(reader, writer):
    await send(writer, b"\x00\xff\xfegarbage from a stranger\r\n\x1b[31m")
    await hold(writer)


async def flood(reader, writer):
    await stream(writer, bytes(range(256)) * 64)


async def one_byte_a_second(reader, writer):
    for b in b"SSH-2.0-OpenSSH_9.2p1 slow\r\n" * 100:
        await send(writer, bytes([b]))
        await asyncio.sleep(1)


async def ssh_endless_line(reader, writer):
    # An SSH identification string (RFC 4253 §4.2) whose line never ends.
    await send(writer, b"SSH-2.0-")
    await stream(writer, b"A" * 4096)


async def x224_huge(reader, writer):
    # TPKT (RFC 1006) header claiming 65535 bytes, then the start of an X.224 Connection
    # Confirm (MS-RDPBCGR 2.2.1.2), then nothing more.
    await read_request(reader)
    await send(writer, b"\x03\x00\xff\xff\x0e\xd0\x00\x00\x12\x34\x00\x02\x00\x08\x00\x01\x00\x00\x00")
    await hold(writer)


async def dicom_huge(reader, writer):
    # A-ASSOCIATE-AC (PS3.8 9.3.3) whose PDU length claims 4 GiB - 1.
    await read_request(reader)
    await send(writer, b"\x02\x00\xff\xff\xff\xff\x00\x01\x00\x00" + b"ANY-SCP".ljust(16) + b"VENDOR-AUDIT".ljust(16) + bytes(32))
    await hold(writer)


async def dicom_broken_items(reader, writer):
    # A-ASSOCIATE-AC with a correct PDU length but an Application Context item whose length
    # runs past the PDU's end.
    await read_request(reader)
    body = b"\x00\x01\x00\x00" + b"ANY-SCP".ljust(16) + b"VENDOR-AUDIT".ljust(16) + bytes(32)
    body += b"\x10\x00\xff\xf0" + b"1.2.840.10008.3.1.1.1"
    await send(writer, b"\x02\x00" + struct.pack(">I", len(body)) + body)
    await hold(writer)


async def mysql_16mb(reader, writer):
    # MySQL Initial Handshake packet (protocol 10) whose 3-byte length claims 16 MiB - 1.
    await send(writer, b"\xff\xff\xff\x00\x0a8.0.36\x00" + bytes(64))
    await hold(writer)


async def smb_16mb(reader, writer):
    # Direct-TCP SMB (MS-SMB2 2.1): a 4-byte header whose 24-bit length claims 16 MiB - 1.
    await read_request(reader)
    await send(writer, b"\x00\xff\xff\xff\xfeSMB@\x00" + bytes(56))
    await hold(writer)


async def rfb_255_types(reader, writer):
    # RFB 3.8 (RFC 6143 §7.1.2): 255 security types, the last of them None (1).
    await send(writer, b"RFB 003.008\n")
    await read_request(reader, 12)
    await send(writer, b"\xff" + b"\x02" * 254 + b"\x01")
    try:
        choice = await asyncio.wait_for(reader.read(1), 10)
    except Exception:
        choice = b""
    if choice == b"\x01":
        await send(writer, b"\x00\x00\x00\x00")  # SecurityResult OK
    await hold(writer)


# ---- web forms --------------------------------------------------------------------------------

PII_FORM = (
    "<!doctype html><html><head><meta charset=\"{charset}\"><title>申請</title></head><body>"
    "<form method=\"post\" action=\"/apply\">"
    "<input name=\"name\" value=\"山田 花子\"><input name=\"address\" value=\"東京都千代田区1-1\">"
    "<input name=\"tel\" value=\"090-1234-5678\"><button>送信</button></form></body></html>"
)


def http_response(body, headers=(), status="200 OK"):
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Cache-Control: no-store"]
    head += list(headers)
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def http(reader, writer, payload):
    await read_http_head(reader)
    await send(writer, payload)
    await hold(writer)


def page(charset="utf-8", codec="utf-8"):
    return PII_FORM.format(charset=charset).encode(codec)


GZIP_BOMB = None


def gzip_bomb():
    global GZIP_BOMB
    if GZIP_BOMB is None:
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
        block = bytes(MIB)
        GZIP_BOMB = b"".join(comp.compress(block) for _ in range(1024)) + comp.flush()
    return GZIP_BOMB


def html_modes():
    # Unclosed <q> elements nest (HTML §13.2.6.4.7: "any other start tag"), 3 bytes a level, so
    # 400,000 levels fit under the body cap and reach the parser.
    deep = lambda n: b"<!doctype html><html><body><form><input name=name>" + b"<q>" * n + b"x</form></body></html>"
    inputs = b"<!doctype html><html><body><form>" + b"<input name=x>" * 100_000 + b"</form></body></html>"
    return {
        "http-gzip-pii": lambda: http_response(gzip.compress(page()), ["Content-Type: text/html; charset=utf-8", "Content-Encoding: gzip"]),
        "http-deflate-pii": lambda: http_response(zlib.compress(page()), ["Content-Type: text/html; charset=utf-8", "Content-Encoding: deflate"]),
        "http-gzip-bomb": lambda: http_response(gzip_bomb(), ["Content-Type: text/html", "Content-Encoding: gzip"]),
        "http-unknown-encoding": lambda: http_response(page(), ["Content-Type: text/html", "Content-Encoding: x-vendor-secret"]),
        "http-sjis-pii": lambda: http_response(page("Shift_JIS", "shift_jis"), ["Content-Type: text/html; charset=Shift_JIS"]),
        "http-bad-utf8-pii": lambda: http_response(page().replace(b"<title>", b"<title>\xff\xfe\xc3"), ["Content-Type: text/html; charset=utf-8"]),
        "http-deep-200k": lambda: http_response(deep(200_000), ["Content-Type: text/html"]),
        "http-deep-400k": lambda: http_response(deep(400_000), ["Content-Type: text/html"]),
        "http-inputs-100k": lambda: http_response(inputs, ["Content-Type: text/html"]),
        "http-cookies-10k": lambda: http_response(page(), ["Content-Type: text/html"] + [f"Set-Cookie: c{i}=v; Path=/" for i in range(10_000)]),
    }


async def http_huge_headers(reader, writer):
    await read_http_head(reader)
    await send(writer, b"HTTP/1.1 200 OK\r\n")
    await stream(writer, b"X-Pad: " + b"a" * 1000 + b"\r\n", 100 * MIB)
    await hold(writer)


async def http_long_header_line(reader, writer):
    await read_http_head(reader)
    await send(writer, b"HTTP/1.1 200 OK\r\nX-Long: " + b"b" * MIB + b"\r\nContent-Length: 0\r\n\r\n")
    await hold(writer)


async def http_huge_body(reader, writer):
    await read_http_head(reader)
    await send(writer, b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % (100 * MIB) + page())
    await stream(writer, b" " * 65536, 100 * MIB)
    await hold(writer)


async def http_endless_chunked(reader, writer):
    await read_http_head(reader)
    await send(writer, b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n")
    await stream(writer, b"1000\r\n" + b"<p>" * 1365 + b"x\r\n")


async def leak_escape(reader, writer):
    # The form answers, but its leak probe's POST is sent away to an address the vendor does not
    # list: the probe must not follow (RFC 9110 §15.4.4: 303 turns it into a GET elsewhere).
    head = await read_http_head(reader)
    if head.startswith(b"POST"):
        payload = http_response(b"", ["Location: http://127.0.0.229:8080/edit"], "303 See Other")
    else:
        payload = http_response(b"<!doctype html><form method=post><input name=name></form>", ["Content-Type: text/html"])
    # One request per connection, so that the probe gets as far as its POST.
    await send(writer, payload.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1))
    writer.close()


def redirect(location):
    # Each hop on a connection of its own: a loop must be a loop, not a stalled keep-alive.
    async def serve(reader, writer):
        await read_http_head(reader)
        await send(writer, http_response(b"", [f"Location: {location}", "Connection: close"], "302 Found"))
        writer.close()
    return serve


# ---- TLS endpoints ------------------------------------------------------------------------------

def client_hello_suite(hello):
    """The first cipher suite a TLS ClientHello (RFC 5246 §7.4.1.2) offers, or TLS_RSA AES128."""
    try:
        # record(5) + handshake header(4) + version(2) + random(32)
        i = 5 + 4 + 2 + 32
        sid = hello[i]
        i += 1 + sid
        n = struct.unpack(">H", hello[i:i + 2])[0]
        suites = [hello[i + 2 + k:i + 4 + k] for k in range(0, n, 2)]
        for preferred in (b"\xc0\x2f", b"\x00\x9c", b"\x00\x2f"):
            if preferred in suites:
                return preferred
        return suites[0]
    except Exception:
        return b"\x00\x2f"


def handshake(kind, body):
    return bytes([kind]) + len(body).to_bytes(3, "big") + body


def record(body, ctype=22):
    return bytes([ctype]) + b"\x03\x03" + struct.pack(">H", len(body)) + body


def server_hello(suite):
    body = b"\x03\x03" + os.urandom(32) + b"\x00" + suite + b"\x00"
    return handshake(2, body)


CERT_DER = None


def cert_der():
    global CERT_DER
    if CERT_DER is None:
        with tempfile.TemporaryDirectory() as d:
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                 "-subj", "/CN=hostile.lab.test", "-keyout", f"{d}/k.pem", "-outform", "DER",
                 "-out", f"{d}/c.der"],
                check=True, capture_output=True)
            with open(f"{d}/c.der", "rb") as f:
                CERT_DER = f.read()
    return CERT_DER


async def tls_handshake_claims_16mb(reader, writer):
    # A record carrying a ServerHello whose handshake header claims 16 MiB - 1.
    await read_request(reader)
    await send(writer, b"\x16\x03\x03\x40\x00" + b"\x02\xff\xff\xff" + bytes(0x4000 - 4))
    await stream(writer, b"\x16\x03\x03\x40\x00" + bytes(0x4000), 16 * MIB)
    await hold(writer)


async def tls_hello_then_garbage(reader, writer):
    hello = await read_request(reader)
    await send(writer, record(server_hello(client_hello_suite(hello))) + b"\x99garbage\x00\xff" * 50)
    await hold(writer)


async def tls_reset_mid_handshake(reader, writer):
    hello = await read_request(reader)
    whole = record(server_hello(client_hello_suite(hello)))
    await send(writer, whole[: len(whole) // 2])
    reset(writer)


async def tls_1000_certs(reader, writer):
    hello = await read_request(reader)
    der = cert_der()
    chain = b"".join(len(der).to_bytes(3, "big") + der for _ in range(1000))
    cert = handshake(11, len(chain).to_bytes(3, "big") + chain)
    msgs = server_hello(client_hello_suite(hello)) + cert + handshake(14, b"")
    out = b"".join(record(msgs[i:i + 16384]) for i in range(0, len(msgs), 16384))
    try:
        await send(writer, out)
    except Exception:
        pass
    await hold(writer)


async def tls_alert_everything(reader, writer):
    await read_request(reader)
    await send(writer, b"\x15\x03\x03\x00\x02\x02\x28")  # fatal handshake_failure
    writer.close()


MODES = {
    "tarpit": tarpit,
    "canary": tarpit,
    "reset": reset_after_accept,
    "garbage": garbage,
    "flood": flood,
    "one-byte-a-second": one_byte_a_second,
    "ssh-endless-line": ssh_endless_line,
    "x224-huge": x224_huge,
    "dicom-huge": dicom_huge,
    "dicom-broken-items": dicom_broken_items,
    "mysql-16mb": mysql_16mb,
    "smb-16mb": smb_16mb,
    "rfb-255-types": rfb_255_types,
    "http-huge-headers": http_huge_headers,
    "http-long-header-line": http_long_header_line,
    "http-huge-body": http_huge_body,
    "http-endless-chunked": http_endless_chunked,
    "http-leak-escape": leak_escape,
    "tls-claims-16mb": tls_handshake_claims_16mb,
    "tls-hello-then-garbage": tls_hello_then_garbage,
    "tls-reset-mid-handshake": tls_reset_mid_handshake,
    "tls-1000-certs": tls_1000_certs,
    "tls-alert": tls_alert_everything,
}


async def guarded(handler, reader, writer):
    """A client that goes away is the normal end of a hostile answer: not an error to log."""
    try:
        await handler(reader, writer)
    except (ConnectionError, BrokenPipeError, asyncio.CancelledError, TimeoutError):
        pass
    finally:
        writer.transport.abort()


def handler_for(mode):
    if mode in MODES:
        return MODES[mode]
    if mode in html_modes():
        payload = html_modes()[mode]()
        return lambda r, w: http(r, w, payload)
    if mode.startswith("redirect="):
        return redirect(mode[len("redirect="):])
    raise SystemExit(f"hostile.py: unknown mode {mode!r}")


async def main():
    log_path, specs = sys.argv[1], sys.argv[2:]
    log = open(log_path, "a", buffering=1)
    servers = []
    for spec in specs:
        mode, _, where = spec.rpartition("@")
        host, _, port = where.rpartition(":")
        handler = handler_for(mode)

        def on_connect(reader, writer, spec=spec, handler=handler):
            peer = writer.get_extra_info("peername")
            log.write(json.dumps({"listener": spec, "peer": f"{peer[0]}:{peer[1]}"}) + "\n")
            return guarded(handler, reader, writer)

        servers.append(await asyncio.start_server(on_connect, host, int(port), reuse_address=True))
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
