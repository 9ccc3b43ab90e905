#!/usr/bin/env python3
"""The fleet of bench/fleet: its layout, its inventory, and the small servers it needs.

    fleet_lab.py plan VENDORS DIR      DIR/vendors.toml (+ DIR/reports/), DIR/tls.txt (the TLS
                                       endpoints), DIR/nmap.txt (one line per port set: ports,
                                       then the hosts that have exactly those ports), and the
                                       asset count on stdout
    fleet_lab.py layout VENDORS DIR    what the servers must listen on for that many vendors:
                                       DIR/nginx-KIND.txt (addresses), DIR/xrdp.txt
                                       (LAYER ADDRESS), DIR/serve.txt (serve's listeners)
    fleet_lab.py serve LOG SPECFILE    the bench's own listeners, one per line of SPECFILE:
                                         tarpit ADDR PORT   accepts, reads, never answers
                                         ftp ADDR PORT      an FTP-like banner ("220 ..."), 530
                                                            to every command, closes on QUIT
                                         fwd ADDR PORT BACKEND_ADDR BACKEND_PORT
                                                            a TCP forwarder (the RDP hosts in
                                                            front of the few xrdp), connecting
                                                            from FWD_SOURCE so that tcpdump can
                                                            leave its connections out
                                       prints "ready" once every listener is bound

Vendor v (0-based) of the fleet, 10 assets (one of them a tarpit: 10 %):
  host 127.1.A.B (A = v // 250, B = v % 250 + 1), ports:
    3389  RDP for even v (xrdp itself on vendors 0, 2, 4; a forwarder to one of them on the
          others), closed for odd v
    VNC (three Xtigervnc): 5900 -SecurityTypes None for even v, 5902 TigerVNC's default
          (VeNCrypt, VncAuth) for v % 10 == 5, 5901 VncAuth for the other odd v
    104 storescp (DICOM); 4242 Orthanc accepting any AE for v % 10 == 0; 11112 Orthanc checking
          the called AE for v % 10 == 5
    22    sshd
    21    FTP-like banner for even v, 23 closed for odd v
    445   closed
    1433 (even v) or 3306 (odd v): a tarpit
  TLS endpoints 127.2.A.B:443 and 127.4.A.B:443 (one nginx), kinds KINDS[v % 4] and
    KINDS[(v + 2) % 4]; with FLEET_TLS_TARPITS=1 the second one of v % 5 == 2 is a tarpit instead
    (then 12 % of the assets are tarpits)
  a web form http://127.3.A.B:6081/apply behind Varnish (leaking VCL, the leaky form app), with
    the active leak probe for even v; for v % 5 == 4 the correct app through Varnish's port 6083
  a report of the current fiscal year (every control claimed) for v % 3 == 0; the others have none (report-missing)
"""

import asyncio
import datetime
import os
import sys

KINDS = ["modern", "legacy", "expired", "selfsigned"]
VNC = {5900: "none", 5901: "vncauth", 5902: "default"}
XRDP = [(0, "negotiate"), (2, "rdp"), (4, "tls")]  # vendor, security_layer of the real xrdp
FWD_SOURCE = "127.200.0.250"
_today = datetime.date.today()
NOW_FY = _today.year if _today.month >= 4 else _today.year - 1  # Japanese fiscal years: April


def octets(v):
    return v // 250, v % 250 + 1


def host(v):
    a, b = octets(v)
    return f"127.1.{a}.{b}"


TLS_TARPITS = os.environ.get("FLEET_TLS_TARPITS") == "1"


def tls(v):
    a, b = octets(v)
    second = "tarpit" if TLS_TARPITS and v % 5 == 2 else KINDS[(v + 2) % 4]
    return [(f"127.2.{a}.{b}", KINDS[v % 4]), (f"127.4.{a}.{b}", second)]


def form(v):
    a, b = octets(v)
    port = 6083 if v % 5 == 4 else 6081
    return f"http://127.3.{a}.{b}:{port}", v % 2 == 0 and port == 6081


def ports(v):
    vnc = 5900 if v % 2 == 0 else 5902 if v % 10 == 5 else 5901
    dicom = 4242 if v % 10 == 0 else 11112 if v % 10 == 5 else 104
    return [3389, vnc, dicom, 22, 21 if v % 2 == 0 else 23, 445, 1433 if v % 2 == 0 else 3306]


def vid(v):
    return f"v{v:05d}"


def plan(nv, out):
    os.makedirs(os.path.join(out, "reports"), exist_ok=True)
    lines = [
        "# bench/fleet: a generated fleet (bench/fleet_lab.py plan). Literal addresses: in scope.",
        "[audit]",
        'timezone = "Asia/Tokyo"',
        'fiscal_year_start = "04-01"',
        f'trust = ["{os.environ["FLEET_TRUST"]}"]' if os.environ.get("FLEET_TRUST") else "",
        "",
    ]
    assets = 0
    groups = {}
    endpoints = []
    tarpits = []
    for v in range(nv):
        p = ports(v)
        t = tls(v)
        url, leak = form(v)
        lines += [
            "[[vendor]]",
            f'id = "{vid(v)}"',
            f'name = "Fleet vendor {v}"',
        ]
        if v % 3 == 0:
            rpt = os.path.join("reports", f"{vid(v)}.toml")
            lines.append(f'report = "{rpt}"')
            with open(os.path.join(out, rpt), "w") as fh:
                fh.write(f'vendor = "{vid(v)}"\nfiscal_year = {NOW_FY}\nsubmitted = {NOW_FY}-04-01\n'
                         "\n[controls]\n"
                         '"remote_access.no_public_rdp" = true\n'
                         '"remote_access.rdp_nla_enforced" = true\n'
                         '"remote_access.no_public_vnc" = true\n'
                         '"remote_access.vnc_authentication" = true\n'
                         '"remote_access.dicom_restricted" = true\n'
                         '"remote_access.ssh_restricted" = true\n'
                         '"remote_access.no_public_database" = true\n'
                         '"tls.modern_protocols_only" = true\n'
                         '"tls.strong_ciphers_only" = true\n'
                         '"tls.valid_certificates" = true\n'
                         '"web_forms.no_store_on_personal_pages" = true\n'
                         '"patching.monthly_updates" = true\n')
        lines += [
            f'hosts = ["{host(v)}"]',
            f"ports = [{', '.join(map(str, p))}]",
            "tls = [" + ", ".join(f'"{a}:443"' for a, _ in t) + "]",
            "",
            "[[vendor.form]]",
            f'url = "{url}/apply"',
        ]
        if leak:
            lines += [
                "[vendor.form.leak_probe]",
                f'submit = "{url}/apply/confirm"',
                f'view = "{url}/apply/edit"',
                'fields = { name = "{canary}", address = "{canary}", tel = "0000000000" }',
            ]
        lines.append("")
        assets += len(p) + len(t) + 1
        groups.setdefault(",".join(map(str, p)), []).append(host(v))
        groups.setdefault("443", []).extend(a for a, _ in t)
        endpoints += [f"{a}:443" for a, _ in t]
        tarpits += [f"{host(v)}:{p[-1]}"] + [f"{a}:443" for a, k in t if k == "tarpit"]
    with open(os.path.join(out, "vendors.toml"), "w") as fh:
        fh.write("\n".join(lines))
    with open(os.path.join(out, "tls.txt"), "w") as fh:
        fh.write("".join(e + "\n" for e in endpoints))
    with open(os.path.join(out, "tarpits.txt"), "w") as fh:
        fh.write("".join(t + "\n" for t in tarpits))
    with open(os.path.join(out, "nmap.txt"), "w") as fh:
        for k, hosts in groups.items():
            fh.write(k + "\t" + " ".join(hosts) + "\n")
    print(assets)


def layout(nv, out):
    os.makedirs(out, exist_ok=True)
    by_kind = {k: [] for k in KINDS + ["tarpit"]}
    for v in range(nv):
        for a, k in tls(v):
            by_kind[k].append(a)
    for k, addrs in by_kind.items():
        with open(os.path.join(out, f"nginx-{k}.txt"), "w") as fh:
            fh.write("".join(a + "\n" for a in addrs))
    real = [(v, layer) for v, layer in XRDP if v < nv]
    with open(os.path.join(out, "xrdp.txt"), "w") as fh:
        for v, layer in real:
            fh.write(f"{layer} {host(v)}\n")
    spec = ["ftp 0.0.0.0 21", "tarpit 0.0.0.0 1433", "tarpit 0.0.0.0 3306"]
    spec += [f"tarpit {a} 443" for a in by_kind["tarpit"]]
    direct = {v for v, _ in real}
    for v in range(0, nv, 2):
        if v not in direct and real:
            target = real[(v // 2) % len(real)][0]
            spec.append(f"fwd {host(v)} 3389 {host(target)} 3389")
    with open(os.path.join(out, "serve.txt"), "w") as fh:
        fh.write("".join(s + "\n" for s in spec))


# ------------------------------------------------------------------ servers

async def tarpit(reader, writer):
    try:
        while await reader.read(65536):
            pass
    except (OSError, asyncio.CancelledError):
        pass
    finally:
        writer.transport.abort()


async def ftp(reader, writer):
    try:
        writer.write(b"220 (vsFTPd 3.0.3)\r\n")
        await writer.drain()
        while True:
            line = await asyncio.wait_for(reader.readline(), 30)
            if not line:
                break
            if line.strip().upper().startswith(b"QUIT"):
                writer.write(b"221 Goodbye.\r\n")
                await writer.drain()
                break
            writer.write(b"530 Please login with USER and PASS.\r\n")
            await writer.drain()
    except Exception:
        pass
    finally:
        writer.transport.abort()


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except Exception:
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


def forwarder(baddr, bport):
    async def handle(reader, writer):
        try:
            br, bw = await asyncio.wait_for(
                asyncio.open_connection(baddr, bport, local_addr=(FWD_SOURCE, 0)), 10)
        except Exception:
            writer.transport.abort()
            return
        await asyncio.gather(pipe(reader, bw), pipe(br, writer))
    return handle


async def serve(log_path, spec_path):
    servers = []
    with open(spec_path) as fh:
        specs = [line.split() for line in fh if line.strip()]
    for s in specs:
        mode, addr, port = s[0], s[1], int(s[2])
        if mode == "tarpit":
            handler = tarpit
        elif mode == "ftp":
            handler = ftp
        elif mode == "fwd":
            handler = forwarder(s[3], int(s[4]))
        else:
            raise SystemExit(f"fleet_lab.py: unknown mode {mode!r}")
        servers.append(await asyncio.start_server(handler, addr, port, reuse_address=True,
                                                  backlog=4096))
    with open(log_path, "a") as log:
        log.write(f"{len(servers)} listeners\n")
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    cmd = sys.argv[1]
    if cmd == "plan":
        plan(int(sys.argv[2]), sys.argv[3])
    elif cmd == "layout":
        layout(int(sys.argv[2]), sys.argv[3])
    elif cmd == "serve":
        try:
            asyncio.run(serve(sys.argv[2], sys.argv[3]))
        except KeyboardInterrupt:
            pass
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
