#!/usr/bin/env python3
"""Check that every lab peer answers its protocol as tests expect.

Usage: python3 tests/peers/probe.py [RUN_DIR]   (after tests/peers/start.sh RUN_DIR)
RUN_DIR (or $VENDOR_AUDIT_LAB_RUN) holds tls/ca.pem; without it the TLS
certificate verdicts are not checked, only subjects and protocols.
Loopback only. Prints the observed answers; exits 1 if any differs.
"""
import os
import re
import socket
import subprocess
import sys

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

if FAILED:
    print("\n!!! %d check(s) failed: %s" % (len(FAILED), ", ".join(FAILED)))
    sys.exit(1)
print("\nall peer checks passed")
