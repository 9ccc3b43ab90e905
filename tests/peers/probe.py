#!/usr/bin/env python3
"""Check that every lab peer answers its protocol as tests expect (and that the
form caches really leak one session's page to another, the correct path not).

Usage: python3 tests/peers/probe.py [RUN_DIR]   (after tests/peers/start.sh RUN_DIR)
RUN_DIR (or $VENDOR_AUDIT_LAB_RUN) holds tls/ca.pem; without it the TLS
certificate verdicts are not checked, only subjects and protocols.
Loopback only. Prints the observed answers; exits 1 if any differs.
"""
import http.client
import os
import re
import secrets
import socket
import ssl
import subprocess
import sys
import time
from urllib.parse import urlencode

FAILED = []


def connect(host, port):
    return socket.create_connection((host, port), timeout=5)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf


def rdp_cr(proto):
    """X.224 Connection Request; proto None = no RDP_NEG_REQ."""
    if proto is None:
        x224 = bytes([0x06, 0xE0, 0, 0, 0, 0, 0])
    else:
        neg = bytes([0x01, 0x00, 0x08, 0x00]) + proto.to_bytes(4, "little")
        x224 = bytes([0x06 + len(neg), 0xE0, 0, 0, 0, 0, 0]) + neg
    return bytes([3, 0]) + (4 + len(x224)).to_bytes(2, "big") + x224


def rdp_answer(host, port, proto):
    s = connect(host, port)
    s.sendall(rdp_cr(proto))
    hdr = recv_exact(s, 4)
    body = recv_exact(s, int.from_bytes(hdr[2:4], "big") - 4) if len(hdr) == 4 else b""
    s.close()
    raw = hdr + body
    if len(body) >= 2 and body[1] == 0xD0:
        if len(body) >= 15:
            t, code = body[7], int.from_bytes(body[11:15], "little")
            kind = {2: "RSP", 3: "F"}.get(t, "type%d" % t)
            return raw, "%s %d" % (kind, code)
        return raw, "CC without negotiation data"
    return raw, "unexpected"


def check(label, got, want):
    ok = want is None or got == want
    print("  %-52s %s%s" % (label, got, "" if ok else "   <-- expected %r" % (want,)))
    if not ok:
        FAILED.append(label)


print("== RDP (X.224 CR -> CC)")
RDP = [
    ("xrdp negotiate", "127.0.0.61", 13389, {None: "CC without negotiation data", 0: "RSP 0", 1: "RSP 1", 0xB: "RSP 1"}),
    ("xrdp rdp", "127.0.0.62", 13389, {None: "CC without negotiation data", 0: "RSP 0", 1: "RSP 0", 0xB: "RSP 0"}),
    ("xrdp tls", "127.0.0.63", 13389, {None: "CC without negotiation data", 0: "F 1", 1: "RSP 1", 0xB: "RSP 1"}),
    ("freerdp-shadow NLA", "127.0.0.64", 13392, {None: "F 5", 0: "F 5", 1: "F 5", 0xB: "RSP 2"}),
]
for name, host, port, wants in RDP:
    for proto, want in wants.items():
        raw, verdict = rdp_answer(host, port, proto)
        label = "%s %s:%d req=%s" % (name, host, port, "none" if proto is None else hex(proto))
        check(label, verdict, want)
        print("      bytes: %s" % raw.hex(" "))

print("== VNC (RFB banner, security types)")
for name, host, port, want in [
    ("Xtigervnc :64 (shadow display)", "127.0.0.64", 15964, [1]),
    ("Xtigervnc :65 None", "127.0.0.65", 15900, [1]),
    ("Xtigervnc :66 VncAuth", "127.0.0.66", 15900, [2]),
]:
    s = connect(host, port)
    banner = recv_exact(s, 12)
    s.sendall(b"RFB 003.008\n")
    n = recv_exact(s, 1)[0]
    types = list(recv_exact(s, n))
    s.close()
    check("%s banner" % name, banner, b"RFB 003.008\n")
    check("%s security types" % name, types, want)

print("== DICOM (echoscu -aet A -aec B)")
for name, port, want_ok in [("Orthanc any AE", 14242, True), ("Orthanc strict", 14243, False), ("storescp", 14244, True)]:
    r = subprocess.run(["echoscu", "-aet", "A", "-aec", "B", "127.0.0.67", str(port)],
                       capture_output=True, text=True, timeout=20)
    msg = (r.stdout + r.stderr).strip().replace("\n", " | ")
    check("%s 127.0.0.67:%d echo %s" % (name, port, "ok" if r.returncode == 0 else "rejected"),
          r.returncode == 0, want_ok)
    if msg:
        print("      echoscu: %s" % msg[:200])

print("== SSH")
s = connect("127.0.0.68", 12222)
banner = s.recv(256).decode(errors="replace").strip()
s.close()
check("sshd 127.0.0.68:12222 banner starts SSH-2.0-OpenSSH_", banner.startswith("SSH-2.0-OpenSSH_"), True)
print("      banner: %s" % banner)

print("== TLS (openssl s_client: certificate subject, verify verdict against RUN/tls/ca.pem)")
RUN = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("VENDOR_AUDIT_LAB_RUN")
CA = os.path.join(RUN, "tls", "ca.pem") if RUN else None


def s_client(addr, sni, *extra):
    """One handshake; returns (protocol, subject CN, verify code, cipher)."""
    cmd = ["openssl", "s_client", "-connect", addr, "-servername", sni,
           # the client's own default security level refuses TLS 1.0/1.1's SHA-1 signatures
           "-cipher", "ALL:@SECLEVEL=0"] + list(extra)
    if CA:
        cmd += ["-CAfile", CA]
    r = subprocess.run(cmd, input="", capture_output=True, text=True, timeout=20)
    out = r.stdout + r.stderr
    # "New, V, Cipher is C": V is the suite's version, not the negotiated one below
    # TLS 1.3; the SSL-Session block's "Protocol :" is exact but missing for TLS 1.3.
    proto = re.search(r"^\s*Protocol\s*:\s*(\S+)", out, re.M) or \
        re.search(r"^New, (TLSv1\.3), Cipher is", out, re.M)
    cipher = re.search(r"Cipher is (\S+)", out)
    subj = re.search(r"^subject=.*?CN ?= ?([^,\n]+)", out, re.M)
    code = re.search(r"Verify return code: (\d+)", out)
    ok = cipher and cipher.group(1) != "(NONE)"
    return (proto.group(1) if ok and proto else "refused",
            subj.group(1).strip() if subj else None,
            int(code.group(1)) if code else None,
            cipher.group(1) if ok else None)


# (name, address, SNI, subject CN, verify code with the lab CA, {protocol flag: want})
TLS = [
    ("nginx modern", "127.0.0.81:8443", "modern.lab.test", "modern.lab.test", 0,
     {"-tls1_3": "TLSv1.3", "-tls1_2": "TLSv1.2", "-tls1_1": "refused", "-tls1": "refused"}),
    ("nginx legacy", "127.0.0.82:8443", "legacy.lab.test", "legacy.lab.test", 0,
     {"-tls1_3": "refused", "-tls1_2": "TLSv1.2", "-tls1_1": "TLSv1.1", "-tls1": "TLSv1"}),
    ("nginx expired", "127.0.0.83:8443", "expired.lab.test", "expired.lab.test", 10,
     {"-tls1_3": "TLSv1.3"}),
    ("nginx self-signed", "127.0.0.84:8443", "selfsigned.lab.test", "other.lab.test", 18,
     {"-tls1_3": "TLSv1.3"}),
    ("s_server TLS 1.3 only", "127.0.0.85:8443", "tls13.lab.test", "tls13.lab.test", 0,
     {"-tls1_3": "TLSv1.3", "-tls1_2": "refused", "-tls1_1": "refused", "-tls1": "refused"}),
    # verify code 0 only because s_client runs at @SECLEVEL=0 here (RSA 1024, SHA-1)
    ("s_server weak", "127.0.0.86:8443", "weak.lab.test", "weak.lab.test", 0,
     {"-tls1_3": "refused", "-tls1_2": "TLSv1.2", "-tls1_1": "refused", "-tls1": "refused"}),
]
for name, addr, sni, want_cn, want_code, protos in TLS:
    proto, cn, code, _ = s_client(addr, sni)
    check("%s %s subject CN" % (name, addr), cn, want_cn)
    if CA:
        check("%s %s verify code (10 expired, 18 self-signed)" % (name, addr), code, want_code)
    for flag, want in protos.items():
        check("%s %s %s" % (name, addr, flag), s_client(addr, sni, flag)[0], want)

# The weak server imposes its own order: offered ECDHE first, it still picks AES128-SHA.
check("s_server weak 127.0.0.86:8443 server order (-serverpref)",
      s_client("127.0.0.86:8443", "weak.lab.test", "-tls1_2",
               "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:@SECLEVEL=0")[3], "AES128-SHA")

print("== Web forms (tests/peers/formapp.py, the leaking caches, the correct path)")

def http_req(addr, method, path, cookie=None, body=None, tls_name=None, read=True):
    """One request on a new connection; returns (status, headers as list, body)."""
    host, port = addr.rsplit(":", 1)
    if tls_name:
        ctx = ssl.create_default_context(cafile=CA) if CA else ssl._create_unverified_context()
        conn = http.client.HTTPConnection(tls_name, int(port), timeout=10)
        conn.sock = ctx.wrap_socket(socket.create_connection((host, int(port)), timeout=10),
                                    server_hostname=tls_name)
    else:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
    headers = {}
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read() if read else b""
    hdrs = r.getheaders()
    conn.close()
    return r.status, hdrs, data


def hget(hdrs, name):
    vals = [v for k, v in hdrs if k.lower() == name.lower()]
    return vals[0] if vals else None


def name_value(page):
    m = re.search(rb'<input[^>]*name="name"[^>]*value="([^"]*)"', page)
    return m.group(1).decode() if m else None


def hit_evidence(hdrs):
    return ", ".join("%s: %s" % (k, v) for k, v in hdrs
                     if k.lower() in ("age", "x-varnish", "x-cache", "x-cache-status"))


APP_LEAKY, APP_CORRECT = "127.0.0.100:18080", "127.0.0.100:18081"
st, h, b = http_req(APP_LEAKY, "GET", "/apply")
check("formapp leaky /apply status", st, 200)
check("formapp leaky /apply personal inputs",
      sorted(set(re.findall(rb'autocomplete="([a-z-]+)"', b))),
      [b"email", b"name", b"street-address", b"tel"])
check("formapp leaky /apply no Cache-Control, has Last-Modified",
      (hget(h, "Cache-Control"), hget(h, "Last-Modified") is not None), (None, True))
st, h, b = http_req(APP_LEAKY, "GET", "/notyet")
check("formapp /notyet 200 without inputs", (st, b.count(b"<input")), (200, 0))
check("formapp /gone", http_req(APP_LEAKY, "GET", "/gone")[0], 404)
st, h, b = http_req(APP_LEAKY, "GET", "/away")
check("formapp /away", (st, hget(h, "Location")), (302, "http://outside.invalid/apply"))
st, h, _ = http_req(APP_LEAKY, "HEAD", "/huge", read=False)
check("formapp /huge Content-Length (20 MiB)", (st, hget(h, "Content-Length")), (200, "20971520"))
# /slow: headers, a few bytes, then nothing (a 2 s read must time out).
s = socket.create_connection(("127.0.0.100", 18080), timeout=2)
s.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
got, t0 = b"", time.time()
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
except socket.timeout:
    pass
s.close()
check("formapp /slow stalls (Content-Length 100000, few bytes)",
      (b"Content-Length: 100000" in got, len(got.split(b"\r\n\r\n", 1)[-1]) < 100),
      (True, True))
st, h, _ = http_req(APP_CORRECT, "GET", "/apply")
check("formapp correct /apply Cache-Control", hget(h, "Cache-Control"), "no-store, private")
st, h, _ = http_req(APP_CORRECT, "POST", "/apply/confirm",
                    body=urlencode({"name": "LAB-TEST-PROBE"}))
check("formapp correct cookie flags",
      (st, bool(re.match(r"SESSION=[^;]+; Secure; HttpOnly; SameSite=Lax; Path=/$",
                         hget(h, "Set-Cookie") or ""))), (303, True))


def session_leak(addr, tls_name=None):
    """SPEC 7.4 by hand: A posts a marker and views /apply/edit; B (another
    cookie) and C (none) view it. Returns (verdict, evidence)."""
    marker = "LAB-TEST-MARKER-probe-" + secrets.token_hex(6)
    form = urlencode({"name": marker, "address": "LAB-TEST address", "tel": "000-0000-0000",
                      "email": "lab-test@example.invalid", "csrf": "x"})
    st, h, _ = http_req(addr, "POST", "/apply/confirm", body=form, tls_name=tls_name)
    cookie = (hget(h, "Set-Cookie") or "").split(";")[0]
    if st != 303 or not cookie.startswith("SESSION="):
        return "confirm failed (%s, %r)" % (st, cookie), ""
    a = http_req(addr, "GET", "/apply/edit", cookie=cookie, tls_name=tls_name)
    b = http_req(addr, "GET", "/apply/edit", cookie="SESSION=lab-probe-other", tls_name=tls_name)
    c = http_req(addr, "GET", "/apply/edit", tls_name=tls_name)
    va, vb, vc = (name_value(x[2]) for x in (a, b, c))
    ev = "A=%r B=%r C=%r | C: %s" % (va, vb, vc, hit_evidence(c[1]))
    if vb == marker or vc == marker:
        return "leak", ev
    if va != marker and va and va == vc:
        # A's own view was a page cached earlier (an earlier probe run within
        # the TTL): someone else's entry, served to A, B and C alike.
        return "leak (stale page cached earlier)", ev
    if va == marker and not vb and not vc:
        return "no leak", ev
    return "unclear", ev


for label, addr, tls_name, want in [
    ("Varnish 127.0.0.101:6081", "127.0.0.101:6081", None, "leak"),
    ("nginx proxy_cache 127.0.0.102:8080", "127.0.0.102:8080", None, "leak"),
    ("Squid 127.0.0.103:3128", "127.0.0.103:3128", None, "leak"),
    ("nginx TLS -> Varnish 127.0.0.104:8443", "127.0.0.104:8443", "forms.lab.test", "leak"),
    ("correct TLS 127.0.0.105:8443", "127.0.0.105:8443", "secure-forms.lab.test", "no leak"),
    ("formapp leaky direct 127.0.0.100:18080", APP_LEAKY, None, "no leak"),
]:
    verdict, ev = session_leak(addr, tls_name)
    check("%s cross-session" % label, verdict.split(" (")[0], want)
    print("      %s; %s" % (verdict, ev))

st, h, _ = http_req("127.0.0.105:8443", "GET", "/apply", tls_name="secure-forms.lab.test")
check("correct TLS 127.0.0.105:8443 HSTS", hget(h, "Strict-Transport-Security"), "max-age=63072000")
st, h, _ = http_req("127.0.0.104:8443", "GET", "/apply", tls_name="forms.lab.test")
check("nginx TLS -> Varnish 127.0.0.104:8443 no HSTS", hget(h, "Strict-Transport-Security"), None)

# Issue 10 part 3: Orthanc's REST API, open, with authentication, and behind nginx TLS
# (self-signed leaf, so not verified against the lab CA).
st, h, body = http_req("127.0.0.130:18042", "GET", "/system")
check("Orthanc REST open 127.0.0.130:18042 GET /system", (st, b'"DicomAet" : "LABPACS"' in body), (200, True))
st, h, _ = http_req("127.0.0.131:18043", "GET", "/system")
check("Orthanc REST auth 127.0.0.131:18043 GET /system", (st, hget(h, "WWW-Authenticate")),
      (401, 'Basic realm="Orthanc Secure Area"'))
conn = http.client.HTTPSConnection("127.0.0.132", 18044, timeout=10, context=ssl._create_unverified_context())
conn.request("GET", "/system")
r = conn.getresponse()
check("nginx TLS -> Orthanc REST 127.0.0.132:18044 GET /system", (r.status, b"LABPACS" in r.read()), (200, True))
conn.close()

if FAILED:
    print("\n!!! %d check(s) failed: %s" % (len(FAILED), ", ".join(FAILED)))
    sys.exit(1)
print("\nall peer checks passed")
