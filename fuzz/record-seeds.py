#!/usr/bin/env python3
"""Record what the lab's real servers send, as seed corpora for the fuzz targets.

Usage (inside a netns where the lab runs, see tests/peers/start.sh):
    python3 fuzz/record-seeds.py [OUT_DIR]      (default: fuzz/corpus)

Each seed is one server answer, saved as OUT_DIR/TARGET/NAME; the file NAME says which peer and
which request (fuzz/corpus/README.md lists them). Loopback only: every address below is a lab
peer of tests/peers/start.sh. A peer that does not answer is reported and skipped (exit 1 when
any did not), so a rerun after a lab change shows what went missing.
"""
import os
import socket
import ssl
import sys
import time
import warnings

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
MAX = 64 * 1024  # a seed stays small: libFuzzer mutates better from short inputs
MISSED = []
SAVED = []


def save(target, name, data):
    if not data:
        MISSED.append(f"{target}/{name}: no bytes")
        return
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data[:MAX])
    SAVED.append((target, name, len(data[:MAX])))


def connect(host, port):
    return socket.create_connection((host, port), timeout=5)


def read_quiet(s, quiet=0.8, cap=MAX):
    """Whatever arrives until the peer closes, is quiet for `quiet` seconds, or `cap` bytes."""
    s.settimeout(quiet)
    buf = b""
    while len(buf) < cap:
        try:
            b = s.recv(cap - len(buf))
        except (socket.timeout, ConnectionError):
            break
        if not b:
            break
        buf += b
    return buf


def tried(label, fn):
    try:
        fn()
    except Exception as e:  # a peer down is reported, the others still recorded
        MISSED.append(f"{label}: {type(e).__name__}: {e}")


# ---------------------------------------------------------------- TLS, driven through BIOs so
# the server's raw records are kept (the handshake itself is Python's OpenSSL).

def tls_context(max_version=None, legacy=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if legacy:
        with warnings.catch_warnings():  # the lab's legacy peers need it
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    if max_version:
        ctx.maximum_version = max_version
    return ctx


def tls_handshake(sock, ctx, sni):
    """Handshake over `sock`; returns (server's raw bytes during the handshake, SSLObject or None)."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname=sni)
    raw = b""
    sock.settimeout(5)
    for _ in range(50):
        try:
            obj.do_handshake()
            sock.sendall(out.read())
            return raw, obj
        except ssl.SSLWantReadError:
            sock.sendall(out.read())
            b = sock.recv(65536)
            if not b:
                return raw, None
            raw += b
            inc.write(b)
        except ssl.SSLError:
            sock.sendall(out.read())
            raw += read_quiet(sock, 0.3)
            return raw, None
    return raw, None


def tls_wrapped(sock, ctx, sni):
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname=sni)
    raw = b""
    sock.settimeout(5)
    while True:
        try:
            obj.do_handshake()
            sock.sendall(out.read())
            break
        except ssl.SSLWantReadError:
            sock.sendall(out.read())
            b = sock.recv(65536)
            if not b:
                raise ConnectionError("closed during the TLS handshake")
            raw += b
            inc.write(b)

    def send(data):
        obj.write(data)
        sock.sendall(out.read())

    def recv(quiet=0.8):
        got = b""
        sock.settimeout(quiet)
        while len(got) < MAX:
            try:
                chunk = obj.read(65536)
                if not chunk:
                    break
                got += chunk
                continue
            except ssl.SSLWantReadError:
                pass
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                break
            try:
                b = sock.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            inc.write(b)
        return got

    return raw, send, recv


def handshakes(raw):
    """(type, body) of each plaintext handshake message in a server's records."""
    msgs, hs = [], b""
    while len(raw) >= 5:
        ctype, length = raw[0], int.from_bytes(raw[3:5], "big")
        frag, raw = raw[5:5 + length], raw[5 + length:]
        if ctype == 22:
            hs += frag
    while len(hs) >= 4:
        t, n = hs[0], int.from_bytes(hs[1:4], "big")
        if len(hs) < 4 + n:
            break
        msgs.append((t, hs[4:4 + n]))
        hs = hs[4 + n:]
    return msgs


CERT_PICK = {"inter.vectors.test": 0, "192.0.2.7": 1}


def cert_seed(certs, pick=0):
    """The certificate target's input: a name-picking byte, then 2-byte length + DER each."""
    out = bytes([pick])
    for der in certs[:4]:
        out += len(der).to_bytes(2, "big") + der
    return out


def record_tls(label, host, port, sni, legacy=False):
    # TLS 1.2 at most: the Certificate and ServerKeyExchange are in clear.
    s = connect(host, port)
    raw, _ = tls_handshake(s, tls_context(ssl.TLSVersion.TLSv1_2, legacy), sni)
    s.close()
    save("tls", f"{label}-tls12-flight", raw)
    for t, body in handshakes(raw):
        if t == 2:
            save("tls", f"{label}-tls12-server-hello-body", body)
        elif t == 11:
            save("tls", f"{label}-certificate-body", body)
            certs, rest = [], body[3:]
            while len(rest) >= 3:
                n = int.from_bytes(rest[:3], "big")
                certs.append(rest[3:3 + n])
                rest = rest[3 + n:]
            if certs and sum(map(len, certs)) < MAX:
                save("certificate", f"{label}-chain", cert_seed(certs))
        elif t == 12:
            save("tls", f"{label}-server-key-exchange-body", body)
    if not legacy:
        s = connect(host, port)
        raw, _ = tls_handshake(s, tls_context(), sni)
        s.close()
        save("tls", f"{label}-default-flight", raw)


# ---------------------------------------------------------------- RDP, CredSSP, NTLM

def rdp_cr(proto):
    if proto is None:
        x224 = bytes([0x06, 0xE0, 0, 0, 0, 0, 0])
    else:
        neg = bytes([0x01, 0x00, 0x08, 0x00]) + proto.to_bytes(4, "little")
        x224 = bytes([0x06 + len(neg), 0xE0, 0, 0, 0, 0, 0]) + neg
    return bytes([3, 0]) + (4 + len(x224)).to_bytes(2, "big") + x224


def tpkt(s):
    s.settimeout(5)
    hdr = b""
    while len(hdr) < 4:
        b = s.recv(4 - len(hdr))
        if not b:
            return hdr
        hdr += b
    body = b""
    want = int.from_bytes(hdr[2:4], "big") - 4
    while len(body) < want:
        b = s.recv(want - len(body))
        if not b:
            break
        body += b
    return hdr + body


NTLM_NEGOTIATE = (b"NTLMSSP\0" + (1).to_bytes(4, "little") + (0xE2088297).to_bytes(4, "little")
                  + bytes(16) + bytes([10, 0, 0x61, 0x4A, 0, 0, 0, 0x0F]))


def der(tag, content):
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82]) + n.to_bytes(2, "big")
    return bytes([tag]) + length + content


def ts_request(token, version=6):
    nego = der(0x30, der(0x30, der(0xA0, der(0x04, token))))
    return der(0x30, der(0xA0, der(0x02, bytes([version]))) + der(0xA1, nego))


def record_rdp(label, host, port):
    names = {None: "no-neg", 0: "standard", 1: "tls", 3: "hybrid", 0xB: "hybrid-ex"}
    for proto, name in names.items():
        s = connect(host, port)
        s.sendall(rdp_cr(proto))
        save("x224", f"{label}-cc-{name}", tpkt(s))
        s.close()
    # TLS (and for an NLA server, CredSSP with NTLM) after asking for TLS or HYBRID.
    for proto in (1, 3):
        s = connect(host, port)
        s.sendall(rdp_cr(proto))
        cc = tpkt(s)
        if len(cc) < 19 or cc[11] != 2:  # not an RDP_NEG_RSP: the server refused the protocol
            s.close()
            continue
        selected = int.from_bytes(cc[15:19], "little")
        if selected == 0:  # standard RDP security chosen: no TLS follows
            s.close()
            continue
        raw, send, recv = tls_wrapped(s, tls_context(ssl.TLSVersion.TLSv1_2, legacy=True), None)
        save("tls", f"{label}-after-x224-{names[proto]}-flight", raw)
        if selected in (2, 8):
            send(ts_request(NTLM_NEGOTIATE))
            answer = recv()
            save("credssp", f"{label}-ts-request-challenge", answer)
            at = answer.find(b"NTLMSSP\0")
            if at >= 0:
                save("ntlm", f"{label}-challenge", answer[at:])
        s.close()


# ---------------------------------------------------------------- RFB

def record_vnc(label, host, port, auth=False):
    s = connect(host, port)
    greeting = read_quiet(s, 0.5, 12)
    save("rfb", f"{label}-version", greeting)
    s.sendall(b"RFB 003.008\n")
    types = read_quiet(s, 0.5)
    save("rfb", f"{label}-security-3.8", types)
    save("banner", f"{label}-rfb-greeting", greeting)
    if auth and types[:1] != b"\0":
        s.sendall(b"\x02")
        save("rfb", f"{label}-vncauth-challenge", read_quiet(s, 0.5))
    s.close()
    s = connect(host, port)
    read_quiet(s, 0.5, 12)
    s.sendall(b"RFB 003.003\n")
    save("rfb", f"{label}-security-3.3", read_quiet(s, 0.5))
    s.close()


# ---------------------------------------------------------------- DICOM

def item(t, data):
    return bytes([t, 0]) + len(data).to_bytes(2, "big") + data


def pdu(t, body):
    return bytes([t, 0]) + len(body).to_bytes(4, "big") + body


def associate_rq(calling, called, sop="1.2.840.10008.1.1"):
    body = (1).to_bytes(2, "big") + b"\0\0" + called.ljust(16).encode() + calling.ljust(16).encode()
    body += bytes(32) + item(0x10, b"1.2.840.10008.3.1.1.1")
    pc = bytes([1, 0, 0, 0]) + item(0x30, sop.encode()) + item(0x40, b"1.2.840.10008.1.2")
    body += item(0x20, pc)
    ui = item(0x51, (16384).to_bytes(4, "big")) + item(0x52, b"1.2.826.0.1.3680043.9.7433.1")
    ui += item(0x55, b"VENDORAUDIT")
    return pdu(0x01, body + item(0x50, ui))


def element(group, elem, value):
    return group.to_bytes(2, "little") + elem.to_bytes(2, "little") + len(value).to_bytes(4, "little") + value


def echo_rq():
    uid = b"1.2.840.10008.1.1\0"
    rest = (element(0, 2, uid) + element(0, 0x100, (0x30).to_bytes(2, "little"))
            + element(0, 0x110, (1).to_bytes(2, "little")) + element(0, 0x800, (0x101).to_bytes(2, "little")))
    cmd = element(0, 0, len(rest).to_bytes(4, "little")) + rest
    pdv = bytes([1, 0x03]) + cmd
    return pdu(0x04, len(pdv).to_bytes(4, "big") + pdv)


def record_dicom(label, host, port, called, sop=None):
    s = connect(host, port)
    s.sendall(associate_rq("VENDORAUDIT", called, sop or "1.2.840.10008.1.1"))
    answer = read_quiet(s, 0.8)
    save("dicom", f"{label}-associate-answer", answer)
    if answer[:1] == b"\x02":
        s.sendall(echo_rq())
        save("dicom", f"{label}-echo-rsp", read_quiet(s, 0.8))
        s.sendall(pdu(0x05, bytes(4)))
        rp = read_quiet(s, 0.8)
        if rp:  # a server may close instead of answering A-RELEASE-RQ
            save("dicom", f"{label}-release-rp", rp)
    s.close()


# ---------------------------------------------------------------- banners, HTTP

def record_banner(label, host, port):
    s = connect(host, port)
    save("banner", label, read_quiet(s, 0.8))
    s.close()


def http_get(host, port, path, host_header, extra=b"", tls_sni=None):
    req = (b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + host_header.encode()
           + b"\r\nUser-Agent: vendor-audit-seeds\r\nAccept: */*\r\nConnection: close\r\n" + extra + b"\r\n")
    s = connect(host, port)
    if tls_sni:
        _, send, recv = tls_wrapped(s, tls_context(), tls_sni)
        send(req)
        got = recv(1.0)
    else:
        s.sendall(req)
        got = read_quiet(s, 1.0)
    s.close()
    return got


def record_http(label, host, port, path="/", host_header=None, extra=b"", tls_sni=None, twice=False):
    hh = host_header or f"{host}:{port}"
    got = http_get(host, port, path, hh, extra, tls_sni)
    if twice:  # the second answer of a cache shows its hit headers (Age, X-Varnish, X-Cache...)
        time.sleep(0.05)
        got = http_get(host, port, path, hh, extra, tls_sni)
    save("http", label, got)
    head, _, body = got.partition(b"\r\n\r\n")
    # The caching target's input: a status-picking byte (0 = 200), then the header lines.
    save("caching", label, b"\0" + head.split(b"\r\n", 1)[-1] if head else b"")
    if b"<form" in body.lower() or b"<html" in body.lower():
        save("html", label, body)
        save("web", label, head + b"\r\n\r\n" + body)


def main():
    jobs = [
        ("xrdp-negotiate", lambda: record_rdp("xrdp-negotiate", "127.0.0.61", 13389)),
        ("xrdp-rdp", lambda: record_rdp("xrdp-rdp", "127.0.0.62", 13389)),
        ("xrdp-tls", lambda: record_rdp("xrdp-tls", "127.0.0.63", 13389)),
        ("freerdp-nla", lambda: record_rdp("freerdp-nla", "127.0.0.64", 13392)),
        ("vnc-shadow", lambda: record_vnc("xtigervnc-none-shadow", "127.0.0.64", 15964)),
        ("vnc-none", lambda: record_vnc("xtigervnc-none", "127.0.0.65", 15900)),
        ("vnc-auth", lambda: record_vnc("xtigervnc-vncauth", "127.0.0.66", 15900, auth=True)),
        ("orthanc-any", lambda: record_dicom("orthanc-any-ae", "127.0.0.67", 14242, "ANYTHING")),
        ("orthanc-strict-ok", lambda: record_dicom("orthanc-strict-ae-ok", "127.0.0.67", 14243, "ORTHANC")),
        ("orthanc-strict-rj", lambda: record_dicom("orthanc-strict-ae-rj", "127.0.0.67", 14243, "WRONG")),
        ("orthanc-bad-sop", lambda: record_dicom("orthanc-unknown-sop", "127.0.0.67", 14242, "ORTHANC",
                                                  "1.2.3.4.5.6.7")),
        ("storescp", lambda: record_dicom("storescp", "127.0.0.67", 14244, "STORESCP")),
        ("sshd", lambda: record_banner("openssh-banner", "127.0.0.68", 12222)),
        ("tls-modern", lambda: record_tls("nginx-modern", "127.0.0.81", 8443, "modern.lab.test")),
        ("tls-legacy", lambda: record_tls("nginx-legacy", "127.0.0.82", 8443, "legacy.lab.test", legacy=True)),
        ("tls-expired", lambda: record_tls("nginx-expired", "127.0.0.83", 8443, "expired.lab.test")),
        ("tls-selfsigned", lambda: record_tls("nginx-selfsigned", "127.0.0.84", 8443, "selfsigned.lab.test")),
        ("tls-13", lambda: record_tls("openssl-s-server-tls13", "127.0.0.85", 8443, "tls13.lab.test")),
        ("tls-weak", lambda: record_tls("openssl-s-server-weak", "127.0.0.86", 8443, "weak.lab.test", legacy=True)),
        ("tls-dh1024", lambda: record_tls("nginx-dh1024", "127.0.0.151", 8443, "dh1024.lab.test", legacy=True)),
        ("tls-dh2048", lambda: record_tls("nginx-dh2048", "127.0.0.152", 8443, "dh2048.lab.test", legacy=True)),
        ("tls-notyet", lambda: record_tls("nginx-notyet", "127.0.0.153", 8443, "notyet.lab.test")),
        ("tls-gnutls", lambda: record_tls("gnutls-ffdhe", "127.0.0.155", 9449, "dh1024.lab.test", legacy=True)),
        ("http-leaky", lambda: record_http("formapp-leaky", "127.0.0.100", 18080, "/apply", "forms.lab.test")),
        ("http-correct", lambda: record_http("formapp-correct", "127.0.0.100", 18081, "/apply", "forms.lab.test")),
        ("http-varnish", lambda: record_http("varnish-hit", "127.0.0.101", 6081, "/apply", "forms.lab.test", twice=True)),
        ("http-nginx", lambda: record_http("nginx-proxy-cache-hit", "127.0.0.102", 8080, "/apply", "forms.lab.test",
                                           twice=True)),
        ("http-squid", lambda: record_http("squid-accel-hit", "127.0.0.103", 3128, "/apply", "forms.lab.test",
                                           twice=True)),
        ("https-leaky", lambda: record_http("nginx-tls-varnish", "127.0.0.104", 8443, "/apply", "forms.lab.test",
                                            tls_sni="forms.lab.test", twice=True)),
        ("https-correct", lambda: record_http("nginx-tls-correct", "127.0.0.105", 8443, "/apply",
                                              "secure-forms.lab.test", tls_sni="secure-forms.lab.test")),
        ("http-varnish-defaults", lambda: record_http("varnish-builtin", "127.0.0.141", 6081, "/apply",
                                                      "cases.lab.test", twice=True)),
        ("http-nginx-defaults", lambda: record_http("nginx-defaults", "127.0.0.142", 8080, "/apply", "cases.lab.test",
                                                    twice=True)),
        ("http-squid-defaults", lambda: record_http("squid-defaults", "127.0.0.143", 3128, "/apply", "cases.lab.test",
                                                    twice=True)),
        ("http-filled", lambda: record_http("formapp-filled", "127.0.0.100", 18080, "/filled", "forms.lab.test")),
        ("http-404", lambda: record_http("nginx-404", "127.0.0.102", 8080, "/no-such-page", "forms.lab.test")),
        ("orthanc-rest", lambda: record_http("orthanc-rest-system", "127.0.0.130", 18042, "/system")),
        ("orthanc-rest-auth", lambda: record_http("orthanc-rest-401", "127.0.0.131", 18043, "/system")),
        ("orthanc-nginx", lambda: record_http("nginx-orthanc-hidden", "127.0.0.132", 8042, "/system")),
        ("http-on-ssh", lambda: record_http("openssh-answers-http", "127.0.0.68", 12222)),
    ]
    for label, job in jobs:
        tried(label, job)
    for target, name, n in SAVED:
        print(f"saved {target}/{name} ({n} bytes)")
    for m in MISSED:
        print(f"MISSED {m}", file=sys.stderr)
    return 1 if MISSED else 0


if __name__ == "__main__":
    sys.exit(main())
