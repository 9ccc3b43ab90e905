#!/usr/bin/env python3
"""Seeds for the parsers whose servers the lab does not run (SMB, PostgreSQL, TDS, MySQL, FTP,
Telnet) and for HTTP framings no lab peer sends (chunked, 204, 1xx): hand-built from the
protocols' specifications, named `synthetic-*`. Usage: python3 fuzz/synthetic-seeds.py [OUT_DIR]."""
import os
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")


def save(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, "synthetic-" + name), "wb") as f:
        f.write(data)


def le16(v): return v.to_bytes(2, "little")
def le32(v): return v.to_bytes(4, "little")


def netbios(m): return b"\0" + len(m).to_bytes(3, "big") + m


def smb2_negotiate_response(dialect, status=0):
    # MS-SMB2 §2.2.1.2 header + §2.2.4 NEGOTIATE response (SecurityBuffer empty).
    h = b"\xFESMB" + le16(64) + le16(0) + le32(status) + le16(0) + le16(1) + le32(1) + bytes(44)
    body = le16(65) + le16(1) + le16(dialect) + bytes(58)
    return netbios(h + body)


def smb1_negotiate_response():
    # MS-CIFS §2.2.4.52.2: header with command 0x72, NT LM 0.12 chosen (index 0), WordCount 17.
    h = b"\xFFSMB\x72" + le32(0) + b"\x88" + le16(0xC853) + bytes(12) + le16(0) + le16(0) + le16(0) + le16(0)
    words = bytes([17]) + le16(0) + bytes([3]) + le16(50) + le16(1) + le32(65536) + le32(65536) + le32(0) \
        + le32(0xF3F9) + bytes(8) + le16(0) + bytes([0])
    return netbios(h + words + le16(0))


save("smb", "smb2-311", smb2_negotiate_response(0x0311))
save("smb", "smb2-210", smb2_negotiate_response(0x0210))
save("smb", "smb2-wildcard", smb2_negotiate_response(0x02FF))
save("smb", "smb2-not-supported", smb2_negotiate_response(0, 0xC00000BB))
save("smb", "smb1-nt-lm-012", smb1_negotiate_response())

# PostgreSQL SSLRequest answers (protocol §55.2.10): S, N, or an ErrorResponse of an old server.
save("database", "pg-ssl-yes", b"S")
save("database", "pg-ssl-no", b"N")
err = b"SFATAL\0C0A000\0Munsupported frontend protocol 1234.5679\0\0"
save("database", "pg-error", b"E" + (len(err) + 4).to_bytes(4, "big") + err)
# TDS PRELOGIN response (MS-TDS §2.2.6.5): VERSION, ENCRYPTION, terminator; payload after options.
opts = bytes([0]) + (11).to_bytes(2, "big") + (6).to_bytes(2, "big") \
    + bytes([1]) + (17).to_bytes(2, "big") + (1).to_bytes(2, "big") + b"\xFF"
payload = opts + bytes([15, 0, 0x10, 0x7C, 0, 0]) + bytes([0])
save("database", "tds-prelogin", bytes([4, 1]) + (8 + len(payload)).to_bytes(2, "big") + bytes(4) + payload)

# MySQL HandshakeV10 and ERR_Packet; FTP and Telnet greetings.
hs = b"\x0a8.0.36\0" + le32(7) + b"abcdefgh" + b"\0" + le16(0xFFFF) + b"\xff" + le16(2) + le16(0xDFFF) \
    + bytes([21]) + bytes(10) + b"ijklmnopqrst\0" + b"caching_sha2_password\0"
save("banner", "mysql-handshake-v10", len(hs).to_bytes(3, "little") + b"\0" + hs)
e = b"\xff" + le16(1130) + b"Host '127.0.0.1' is not allowed to connect to this MySQL server"
save("banner", "mysql-error-1130", len(e).to_bytes(3, "little") + b"\0" + e)
save("banner", "ftp-220", b"220 (vsFTPd 3.0.3)\r\n")
save("banner", "telnet-options", b"\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27")

# HTTP framings: chunked with extensions and trailers, 204, 100 Continue then 200.
save("http", "chunked", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/html\r\n\r\n"
     b"5;ext=1\r\n<form\r\n3\r\n></f\r\n5\r\north>\r\n0\r\nTrailer: x\r\n\r\n")
save("http", "no-content", b"HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n")
save("http", "continue", b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

# Reused from the repository's test vectors (recorded or made before): the TLS server answers of
# src/msgs/testdata/tls (hex) and the certificates of tests/vectors/cert (PEM).
import base64
import glob

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
for path in sorted(glob.glob(os.path.join(ROOT, "src/msgs/testdata/tls/*.hex"))):
    text = "".join(open(path).read().split())
    name = os.path.basename(path)[:-4]
    with open(os.path.join(OUT, "tls", "vector-" + name), "wb") as f:
        f.write(bytes.fromhex(text))


def pem_der(path):
    lines = [l for l in open(path).read().splitlines() if l and not l.startswith("-----")]
    return base64.b64decode("".join(lines))


cert = lambda n: pem_der(os.path.join(ROOT, "tests/vectors/cert", n + ".pem"))
for name, chain, pick in [("leaf-via-inter", ["leaf-via-inter", "inter-sha1", "root"], 0),
                          ("leaf-sha1", ["leaf-sha1", "root"], 0),
                          ("leaf-rsa1024", ["leaf-rsa1024"], 1)]:
    data = bytes([pick]) + b"".join(len(d).to_bytes(2, "big") + d for d in map(cert, chain))
    with open(os.path.join(OUT, "certificate", "vector-" + name), "wb") as f:
        f.write(data)
