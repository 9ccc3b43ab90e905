#!/usr/bin/env python3
"""Helpers of bench/fleet: read what each tool found, compare, and print the benchmark's tables.

    fleet_report.py summary VA.json          one line: findings by status, assets, vendors
    fleet_report.py compare A.json B.json..  the (vendor, check, target, status) findings of
                                             vendor-audit runs: equal or not (exit 1, with the
                                             differences, when not)
    fleet_report.py report RESULTS.tsv       the tables, the agreement with the peers, the
                                             targets and the README block (metadata from the
                                             BENCH_* environment variables bench/fleet sets)
"""

import glob
import json
import os
import re
import statistics
import sys
import xml.etree.ElementTree as ET
from collections import Counter, OrderedDict, defaultdict

VA = "vendor-audit"
SSLSCAN_SEQ = "sslscan (sequential)"
SSLSCAN_P8 = "sslscan (xargs -P8)"
NMAP = "nmap"
NMAP_FULL = "nmap (no timeouts)"
TESTSSL = "testssl.sh -p -e (sample)"
STATUSES = ["pass", "fail", "error", "skipped"]
PROTO = {  # every tool's protocol names -> vendor-audit's (SPEC §10)
    "SSLv2": "SSLv2", "SSLv3": "SSLv3", "TLSv1.0": "TLSv1.0", "TLSv1.1": "TLSv1.1",
    "TLSv1.2": "TLSv1.2", "TLSv1.3": "TLSv1.3", "TLS1": "TLSv1.0", "TLS1_1": "TLSv1.1",
    "TLS1_2": "TLSv1.2", "TLS1_3": "TLSv1.3",
}


def load(path):
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def findings(doc):
    out = set()
    for v in doc.get("vendors", []):
        for f in v.get("findings", []):
            out.add((v.get("id"), f.get("check"), f.get("target"), f.get("status")))
    return out


def counts(doc):
    c = Counter(f[3] for f in findings(doc))
    # the summary's counts when present (they are the run's own)
    s = doc.get("summary") or {}
    return {k: s.get(k, c.get(k, 0)) for k in STATUSES}


def n_assets(doc):
    """Probed assets: services (host:port), TLS endpoints, forms; not the host and report
    entries the JSON also lists."""
    return sum(1 for v in doc.get("vendors", []) for a in v.get("assets", [])
               if a.get("kind") not in ("host", "report"))


def tarpits(n):
    """The tarpit targets of the N-asset fleet (bench/fleet_lab.py plan writes them)."""
    try:
        with open(os.path.join(os.environ.get("BENCH_WORK", "."), f"inv-{n}", "tarpits.txt")) as fh:
            return {line.strip() for line in fh if line.strip()}
    except OSError:
        return set()


def cmd_summary(path):
    doc = load(path)
    if doc is None:
        print("findings: ? (no JSON report)")
        return
    c = counts(doc)
    print(f"findings {sum(c.values())}: " + ", ".join(f"{c[k]} {k}" for k in STATUSES)
          + f"; {n_assets(doc)} assets, {len(doc.get('vendors', []))} vendors")


def diff_lines(a, b, la, lb, limit=40):
    """What differs between two sets of findings, grouped by (check, status change)."""
    key = lambda f: (f[0], f[1], f[2])  # noqa: E731
    da = {key(f): f[3] for f in a}
    db = {key(f): f[3] for f in b}
    changes = Counter()
    rows = []
    for k in sorted(set(da) | set(db)):
        sa, sb = da.get(k, "absent"), db.get(k, "absent")
        if sa != sb:
            changes[(k[1], sa, sb)] += 1
            rows.append(f"{k[0]} {k[1]} {k[2]}: {la} {sa}, {lb} {sb}")
    out = [f"{n} x {chk}: {sa} -> {sb}" for (chk, sa, sb), n in changes.most_common()]
    out += rows[:limit]
    if len(rows) > limit:
        out.append(f"... and {len(rows) - limit} more")
    return len(rows), out


def cmd_compare(paths):
    docs = [(p, load(p)) for p in paths]
    bad = [p for p, d in docs if d is None]
    if bad:
        print(f"DIFFERENT: no JSON report from {', '.join(bad)}")
        sys.exit(1)
    label = lambda p: re.sub(r".*conc(\d+).*", r"--concurrency \1", p)  # noqa: E731
    base_p, base = docs[0]
    fb = findings(base)
    failed = False
    for p, d in docs[1:]:
        fo = findings(d)
        n, lines = diff_lines(fb, fo, label(base_p), label(p))
        ca, co = counts(base), counts(d)
        print(f"{label(base_p)}: " + ", ".join(f"{ca[k]} {k}" for k in STATUSES))
        print(f"{label(p)}: " + ", ".join(f"{co[k]} {k}" for k in STATUSES))
        if n == 0:
            print(f"SAME: the {len(fb)} (vendor, check, target, status) findings are equal")
        else:
            failed = True
            print(f"DIFFERENT: {n} (vendor, check, target) findings differ:")
            for line in lines:
                print("  " + line)
    sys.exit(1 if failed else 0)


# ------------------------------------------------------------------ facts of each tool

def va_facts(doc):
    """tls: {target: protocols}, vnc_none: {target: bool}, nla: {target: bool},
    credssp: {target: bool}, dicom_any: {target: bool}, proto: {target: service.protocol}"""
    f = defaultdict(dict)
    for v in doc.get("vendors", []):
        for a in v.get("assets", []):
            t, facts = a.get("target"), a.get("facts") or {}
            if "tls.protocols" in facts or a.get("kind") == "tls":
                f["tls"][t] = frozenset(facts.get("tls.protocols") or [])
            proto = facts.get("service.protocol")
            if proto:
                f["proto"][t] = proto
            if proto == "vnc" or "vnc.no_auth" in facts:
                f["vnc_none"][t] = bool(facts.get("vnc.no_auth"))
            if proto == "rdp" or "rdp.nla_enforced" in facts:
                f["nla"][t] = bool(facts.get("rdp.nla_enforced"))
                if "rdp.accepts_credssp" in facts:
                    f["credssp"][t] = bool(facts.get("rdp.accepts_credssp"))
            if proto == "dicom" or "dicom.accepts_unknown_ae" in facts:
                f["dicom_any"][t] = bool(facts.get("dicom.accepts_unknown_ae"))
    return f


def sslscan_facts(folder):
    out = {}
    for path in glob.glob(os.path.join(folder, "*.txt")):
        target = os.path.basename(path)[:-4]
        protos = set()
        with open(path, errors="replace") as fh:
            for line in fh:
                m = re.match(r"^(Accepted|Preferred)\s+(\S+)", line)
                if m and m.group(2) in PROTO:
                    protos.add(PROTO[m.group(2)])
        out[target] = frozenset(protos)
    return out


def nmap_facts(folder):
    f = defaultdict(dict)
    for path in glob.glob(os.path.join(folder, "nmap-*.xml")):
        try:
            root = ET.parse(path).getroot()
        except (ET.ParseError, OSError):
            continue
        for h in root.iter("host"):
            addr = h.find("address").get("addr")
            for p in h.iter("port"):
                st = p.find("state")
                t = f"{addr}:{p.get('portid')}"
                if st is not None:
                    f["state"][t] = st.get("state")
                if st is None or st.get("state") != "open":
                    continue
                for s in p.iter("script"):
                    sid, text = s.get("id"), s.get("output") or ""
                    if sid == "ssl-enum-ciphers":
                        f["tls"][t] = frozenset(
                            PROTO[tb.get("key")] for tb in s.findall("table")
                            if tb.get("key") in PROTO)
                    elif sid == "vnc-info":
                        names = [e.text or "" for e in s.iter("elem") if e.get("key") == "name"]
                        f["vnc_none"][t] = any(n.strip() == "None" for n in names) or \
                            bool(re.search(r"^\s+None \(1\)", text, re.M))
                    elif sid == "rdp-enum-encryption":
                        ok = lambda k: bool(re.search(  # noqa: E731
                            re.escape(k) + r":\s*SUCCESS", text))
                        credssp = ok("CredSSP (NLA)")
                        f["credssp"][t] = credssp
                        f["nla"][t] = credssp and not ok("Native RDP") and not ok("SSL")
                    elif sid == "dicom-ping":
                        f["dicom_any"][t] = "Any AET is accepted" in text
    return f


def testssl_facts(folder):
    out = {}
    for path in glob.glob(os.path.join(folder, "*.json")):
        target = os.path.basename(path)[:-5]
        rows = load(path)
        if not isinstance(rows, list):
            continue
        protos = set()
        for r in rows:
            i, fnd = str(r.get("id", "")), str(r.get("finding", ""))
            if i in PROTO and "offered" in fnd and "not offered" not in fnd:
                protos.add(PROTO[i])
        out[target] = frozenset(protos)
    return out


def agreement(name, what, ours, theirs, notes, fmt=lambda x: x, quiet=False):
    """One line: on how many common targets the peer found the same; differences to notes."""
    common = sorted(set(ours) & set(theirs))
    missing = sorted(set(ours) - set(theirs))
    same = [t for t in common if ours[t] == theirs[t]]
    diff = [t for t in common if ours[t] != theirs[t]]
    line = f"{what}: {name} agrees on {len(same)} of {len(common)}"
    if missing:
        line += f" ({len(missing)} of vendor-audit's {len(ours)} it did not report)"
    for t in ([] if quiet else diff[:3]):
        notes.append(f"{what}, {t}: vendor-audit {fmt(ours[t])}, {name} {fmt(theirs[t])}")
    if len(diff) > 3 and not quiet:
        notes.append(f"{what}: {name} differs on {len(diff) - 3} more")
    if diff or not common:
        state = "DIFF"
    elif missing:
        state = "PART"
    else:
        state = "same"
    return line, state


def pset(s):
    return "{" + ",".join(sorted(s)) + "}" if s else "{}"


# ------------------------------------------------------------------ the report

class Stat:
    def __init__(self, rows):
        self.rows = rows
        self.n = len(rows)
        med = lambda xs: statistics.median(xs) if xs else None  # noqa: E731
        self.wall = med([int(r["wall_us"]) / 1e6 for r in rows])
        self.cpu = med([float(r["cpu_s"]) for r in rows if r["cpu_s"]])
        self.rss = med([int(r["rss_kib"]) / 1024 for r in rows if r["rss_kib"]])
        self.conns = med([int(r["conns"]) for r in rows])
        self.srv = med([float(r["srv_cpu_s"]) for r in rows])
        self.all = med([float(r["all_cpu_s"]) for r in rows])
        self.drops = max(int(r["drops"]) for r in rows)
        self.rc = ",".join(sorted({r["rc"] for r in rows}))
        self.docs = [load(r["out"] + ".json") for r in rows]
        self.counts = [counts(d) if d else None for d in self.docs]

    def walls(self):
        return " ".join(f"{int(r['wall_us']) / 1e6:.2f}" for r in self.rows)

    def fcount(self):
        c = self.counts[-1]
        return "?" if c is None else str(sum(c.values()))

    def status(self):
        c = self.counts[-1]
        return "?" if c is None else "/".join(str(c[k]) for k in STATUSES)


def server_split(out):
    """The CPU seconds of each server during one run (bench/fleet writes OUT.srv)."""
    try:
        with open(out + ".srv") as fh:
            rows = [line.split() for line in fh if line.strip()]
    except OSError:
        return []
    return [(k, float(v)) for k, v in rows if float(v) > 0.005]


def f2(x, d=2):
    return "-" if x is None else f"{x:.{d}f}"


def ratio(a, b):
    return f"{a / b:.1f}x" if a is not None and b else "-"


def verdict(ok):
    return "PASS" if ok else "MISS"


def report(path):
    env = os.environ.get
    ncpu = int(env("BENCH_NCPU", "1") or 1)
    timeout = env("BENCH_TIMEOUT", "5")
    sample = int(env("BENCH_TESTSSL_SAMPLE", "10"))
    sizes = OrderedDict()
    with open(env("BENCH_SIZES_TSV")) as fh:
        for line in fh:
            n, assets, vendors, tls = line.split()
            sizes[int(n)] = (int(assets), int(vendors), int(tls))
    with open(path) as fh:
        header = fh.readline().rstrip("\n").split("\t")
        rows = [dict(zip(header, line.rstrip("\n").split("\t"))) for line in fh]
    by = OrderedDict()
    for r in rows:
        by.setdefault(int(r["n"]), OrderedDict()).setdefault(r["tool"], []).append(r)
    stats = {n: OrderedDict((t, Stat(rs)) for t, rs in tools.items()) for n, tools in by.items()}

    out, notes = [], []
    p = out.append
    p("")
    p("=" * 100)
    p(f"vendor-audit fleet benchmark, one run on {ncpu} cores ({env('BENCH_CPU', '?')})")
    p(env("BENCH_VERSIONS", ""))
    p(f"load average (1, 5, 15 min): {env('BENCH_LOAD', '?')}")
    p(f"servers: {env('BENCH_SERVERS', '')}")
    timed = [r for r in rows if r["cpu_s"]]
    span = sum(int(r["wall_us"]) / 1e6 for r in timed) * ncpu
    other = sum(max(0.0, float(r["all_cpu_s"]) - float(r["cpu_s"]) - float(r["srv_cpu_s"]))
                for r in timed)
    if span:
        p(f"other processes (not the tool measured, not the bench's servers) kept the cores "
          f"{other / span:.0%} busy during the measured runs")
    p("=" * 100)

    # ---- vendor-audit, one line per N
    p("")
    p(f"vendor-audit run --timeout {timeout} --format json --no-history (default concurrency), "
      f"median of the runs; conns = first SYNs seen by tcpdump in the namespace; findings = "
      f"pass/fail/error/skipped of the last run; servers = CPU of the bench's servers meanwhile")
    p(f"  {'N':>6}{'vendors':>8}{'runs':>5}{'wall s':>8}{'CPU s':>7}{'RSS MiB':>8}{'conns':>8}"
      f"{'findings':>9}  {'p/f/e/s':<20}{'servers':>8}  walls")
    va_by_n = {}
    for n, tools in stats.items():
        s = tools.get(VA)
        if not s:
            continue
        va_by_n[n] = s
        assets, vendors, _ = sizes.get(n, (n, n // 10, 0))
        p(f"  {n:>6}{vendors:>8}{s.n:>5}{f2(s.wall):>8}{f2(s.cpu):>7}{f2(s.rss, 1):>8}"
          f"{s.conns:>8.0f}{s.fcount():>9}  {s.status():<20}{f2(s.srv):>8}  {s.walls()}"
          + ("" if s.rc == "0" else f"  exit {s.rc}"))
        if assets != n:
            notes.append(f"N={n}: the inventory has {assets} assets")
        for d in s.docs:
            if d is not None and n_assets(d) != assets:
                notes.append(f"N={n}: vendor-audit's JSON lists {n_assets(d)} assets, the "
                             f"inventory {assets}")
                break
        # run-to-run stability of the findings
        docs = [d for d in s.docs if d is not None]
        for i in range(1, len(docs)):
            k, lines = diff_lines(findings(docs[0]), findings(docs[i]), "run 1", f"run {i + 1}", 10)
            if k:
                notes.append(f"N={n}: run {i + 1}'s findings differ from run 1's on {k}: "
                             + "; ".join(lines[:6]))
        errs, tarpit_errs, pits = Counter(), 0, tarpits(n)
        if docs:
            for v in docs[-1].get("vendors", []):
                for fd in v.get("findings", []):
                    if fd.get("status") != "error":
                        continue
                    if fd.get("target") in pits:
                        tarpit_errs += 1
                    else:
                        errs[(fd.get("check"), (fd.get("message") or "")[:90])] += 1
        if docs:
            line = (f"N={n}: {tarpit_errs} error findings on the {len(pits)} tarpits (expected: "
                    f"every check of a port that never answers), {sum(errs.values())} elsewhere")
            if errs:
                line += ": " + "; ".join(f"{c} x {chk} ({msg})" for (chk, msg), c in
                                         errs.most_common(6))
            notes.append(line)

    # ---- per asset: linear?
    p("")
    p("Cost per asset (vendor-audit, medians):")
    for n, s in va_by_n.items():
        p(f"  N={n:>6}: {s.wall / n * 1000:7.2f} ms wall, {f2(s.cpu / n * 1000 if s.cpu else None):>6} ms CPU, "
          f"{s.rss * 1024 / n:8.1f} KiB peak RSS, {s.conns / n:5.1f} connections an asset"
          f"  (servers {f2(s.srv / n * 1000)} ms CPU an asset)")

    # ---- CPU: vendor-audit against the servers
    p("")
    p("CPU during vendor-audit's runs: its own user+sys against the bench's servers' (/proc/PID/stat "
      "of every server process, reaped children included), and the floor that sets over "
      f"{ncpu} cores:")
    for n, s in va_by_n.items():
        tot = (s.cpu or 0) + (s.srv or 0)
        p(f"  N={n:>6}: vendor-audit {f2(s.cpu)} s, servers {f2(s.srv)} s ({f2(s.srv / s.cpu if s.cpu else None, 1)}x"
          f" vendor-audit's), other processes {f2(max(0.0, s.all - tot))} s; CPU floor "
          f"{tot / ncpu:.2f} s against {s.wall:.2f} s wall")
        per = server_split(s.rows[-1]["out"])
        if per:
            p(f"           servers (last run): " + ", ".join(f"{k} {v:.2f}" for k, v in per[:8]))

    # ---- peers
    peer_rows = []
    for n, tools in stats.items():
        va = tools.get(VA)
        peers = [t for t in tools if t != VA and not t.startswith(VA)]
        if not peers or not va:
            continue
        assets, vendors, ntls = sizes.get(n, (n, n // 10, 0))
        p("")
        p(f"Peers on the same targets, N={n} ({ntls} TLS endpoints, {vendors} hosts); medians; xVA = "
          f"peer / vendor-audit (above 1: vendor-audit is faster, uses less CPU, fewer connections)")
        p(f"  {'tool':<34}{'runs':>5}{'wall s':>9}{'xVA':>8}{'CPU s':>9}{'xVA':>9}{'conns':>8}{'xVA':>7}"
          f"{'RSS MiB':>8}")
        p(f"  {VA:<34}{va.n:>5}{f2(va.wall):>9}{'':>8}{f2(va.cpu):>9}{'':>9}{va.conns:>8.0f}{'':>7}"
          f"{f2(va.rss, 1):>8}")
        for t in peers:
            s = tools[t]
            wall, cpu, conns = s.wall, s.cpu, s.conns
            label = "nmap (5 s script timeouts)" if t == NMAP else t
            if t == TESTSSL:
                k = ntls / sample if sample else 0
                wall, cpu, conns = wall * k, (cpu or 0) * k, conns * k
                label = f"testssl.sh -p -e (x{k:.0f}, from {sample})"
            p(f"  {label:<34}{s.n:>5}{f2(wall):>9}{ratio(wall, va.wall):>8}{f2(cpu):>9}"
              f"{ratio(cpu, va.cpu):>9}{conns:>8.0f}{ratio(conns, va.conns):>7}{f2(s.rss, 1):>8}"
              + ("" if s.rc == "0" else f"  exit {s.rc}"))
            peer_rows.append((n, label, wall, cpu, conns, va))
        if TESTSSL in tools:
            p(f"  (testssl.sh ran on {sample} of the {ntls} endpoints, every {ntls // sample}th: "
              f"its figures are EXTRAPOLATED to the fleet, x{ntls / sample:.0f})")
        for nm, what in ((NMAP, "nmap with 5 s script timeouts"), (NMAP_FULL, "nmap without timeouts")):
            if SSLSCAN_P8 in tools and nm in tools:
                comb = tools[SSLSCAN_P8].wall + tools[nm].wall
                p(f"  sslscan (xargs -P8) + {what}, one after the other: {comb:.2f} s = "
                  f"{comb / va.wall:.1f}x vendor-audit")
                if n == 1000 and nm == (NMAP_FULL if NMAP_FULL in tools else NMAP):
                    TARGETS.append((f"1,000 assets >= 10x faster than sslscan (-P8) + {what}",
                                    f"{comb / va.wall:.1f}x", comb / va.wall >= 10))

        # ---- did they find the same things? (first run of each)
        vaf = va_facts(va.docs[0]) if va.docs and va.docs[0] else None
        if vaf is None:
            continue
        p(f"  Same findings as vendor-audit (run 1 of each):")
        d0 = os.path.dirname(va.rows[0]["out"])
        base = f"{d0}/{n}.1"
        lines = []
        if SSLSCAN_P8 in tools:
            lines.append(agreement("sslscan -P8", "TLS protocol sets", vaf["tls"],
                                   sslscan_facts(base + ".sslscan-p8"), notes, pset))
        if SSLSCAN_SEQ in tools:
            lines.append(agreement("sslscan sequential", "TLS protocol sets", vaf["tls"],
                                   sslscan_facts(base + ".sslscan-seq"), notes, pset))
        credssp_note = False
        for nm, folder, tag in ((NMAP, ".nmap", ""), (NMAP_FULL, ".nmap-full", " (no timeouts)")):
            if nm not in tools:
                continue
            nf = nmap_facts(base + folder)
            lost = Counter(vaf["proto"][t] for t, s in nf["state"].items()
                           if s != "open" and t in vaf["proto"])
            if lost:
                notes.append(f"N={n}: nmap{tag} saw {sum(lost.values())} ports as not open that "
                             f"vendor-audit identified (" + ", ".join(
                                 f"{c} {k}" for k, c in lost.most_common()) + "): 'filtered' is a "
                             "connect() that never completed (most likely SYNs dropped by the server's "
                             "full listen backlog under nmap's burst)")
            lines.append(agreement(f"nmap{tag} ssl-enum-ciphers", "TLS protocol sets", vaf["tls"],
                                   nf["tls"], notes, pset))
            lines.append(agreement(f"nmap{tag} vnc-info", "VNC without authentication",
                                   vaf["vnc_none"], nf["vnc_none"], notes))
            lines.append(agreement(f"nmap{tag} rdp-enum-encryption", "RDP NLA enforced", vaf["nla"],
                                   nf["nla"], notes))
            if vaf["credssp"]:
                line, state = agreement(f"nmap{tag} rdp-enum-encryption", "RDP accepts CredSSP",
                                        vaf["credssp"], nf["credssp"], notes, quiet=True)
                lines.append((line, state))
                if state == "DIFF" and not CREDSSP_NOTE:
                    CREDSSP_NOTE.append(1)
                    notes.append("RDP accepts CredSSP: nmap's rdp-enum-encryption counts any "
                                 "RDP_NEG_RSP to a CredSSP request as SUCCESS; xrdp answers it "
                                 "but never selects CredSSP (shared/PEERS.md), so nmap is wrong "
                                 "there, and both agree that NLA is not enforced")
            lines.append(agreement(f"nmap{tag} dicom-ping", "DICOM accepts any AE",
                                   vaf["dicom_any"], nf["dicom_any"], notes))
        if TESTSSL in tools:
            tf = testssl_facts(f"{d0}/{n}.1.testssl")
            sub = {t: vaf["tls"][t] for t in tf if t in vaf["tls"]}
            lines.append(agreement("testssl.sh", "TLS protocol sets (sample)", sub, tf, notes, pset))
        for text, state in lines:
            p(f"    {state}  {text}")
        p("    (same: equal on every target; PART: equal where it reported, silent on others; "
          "DIFF: a different answer somewhere)")
        vnc_va = sum(vaf["vnc_none"].values())
        p(f"    (vendor-audit: {len(vaf['tls'])} TLS endpoints, {vnc_va} of {len(vaf['vnc_none'])} VNC "
          f"without authentication, {sum(vaf['nla'].values())} of {len(vaf['nla'])} RDP with NLA "
          f"enforced, {sum(vaf['dicom_any'].values())} of {len(vaf['dicom_any'])} DICOM accepting any AE)")

    # ---- concurrency
    conc = env("BENCH_COMPARE_TXT")
    same_conc = None
    if conc and os.path.exists(conc):
        p("")
        p("The same findings at every concurrency:")
        for n, tools in stats.items():
            for t, s in tools.items():
                if t.startswith(VA + " --concurrency"):
                    p(f"  N={n} {t}: wall {f2(s.wall)} s, CPU {f2(s.cpu)} s, RSS {f2(s.rss, 1)} MiB, "
                      f"{s.conns:.0f} conns, findings {s.status()}")
        with open(conc) as fh:
            text = fh.read()
        for line in text.splitlines():
            p("  " + line)
        same_conc = "DIFFERENT" not in text and "SAME" in text
        TARGETS.append(("the same findings at both concurrencies", "same" if same_conc else "DIFFERENT",
                        same_conc))

    # ---- profile
    prof = env("BENCH_PROFILE_TXT")
    if prof and os.path.exists(prof):
        p("")
        p("Profile (perf record -g, vendor-audit on the 1,000-asset fleet):")
        with open(prof) as fh:
            for line in fh:
                p("  " + line.rstrip())
        for n, tools in stats.items():
            s = tools.get(VA + " (perf record)")
            if s:
                p(f"  that run: wall {f2(s.wall)} s, CPU {f2(s.cpu)} s (perf included), servers "
                  f"{f2(s.srv)} s")

    # ---- targets
    v1k, v10k = va_by_n.get(1000), va_by_n.get(10000)
    if v1k:
        TARGETS.insert(0, ("1,000 assets under 10 s", f"{v1k.wall:.2f} s", v1k.wall < 10))
    if v10k:
        TARGETS.append(("10,000 assets (1,000 vendors) under 60 s", f"{v10k.wall:.2f} s", v10k.wall < 60))
        TARGETS.append(("10,000 assets peak RSS under 150 MiB", f"{v10k.rss:.1f} MiB", v10k.rss < 150))
    ns = sorted(va_by_n)
    if len(ns) >= 2 and ns[-1] > 1000 and va_by_n[ns[-1]].cpu and 1000 in va_by_n and va_by_n[1000].cpu:
        a, b = va_by_n[1000], va_by_n[ns[-1]]
        k = (b.cpu / ns[-1]) / (a.cpu / 1000)
        TARGETS.append((f"cost linear: CPU an asset at {ns[-1]:,} within 1.5x of at 1,000", f"{k:.2f}x",
                        k <= 1.5))
        m = b.rss / a.rss
        TARGETS.append((f"memory flat: peak RSS at {ns[-1]:,} under 2x that at 1,000", f"{m:.2f}x",
                        m < 2))
    p("")
    p("Targets (issue 14; a MISS does not fail the script):")
    for name, val, ok in TARGETS:
        p(f"  {verdict(ok)}  {name}: {val}")

    # ---- servers that died during the bench (restarted by bench/fleet)
    for path in sorted(glob.glob(env("BENCH_EXITS_GLOB") or "/nonexistent")):
        name = os.path.basename(path)[:-6]
        with open(path) as fh:
            for line in fh:
                try:
                    at, status = line.split()
                    at_us = int(float(at) * 1e6)
                except ValueError:
                    continue
                during = [f"{r['tool']} run {r['rep']} of N={r['n']}" for r in rows
                          if r.get("start_us") and int(r["start_us"]) <= at_us
                          <= int(r["start_us"]) + int(r["wall_us"])]
                sig = int(status) - 128 if int(status) > 128 else None
                how = f"killed by signal {sig}" + (" (segfault)" if sig == 11 else "") if sig \
                    else f"exit {status}"
                notes.append(f"{name} {how} during {', '.join(during) or 'no measured run'}; "
                             f"restarted")

    # ---- disagreements and oddities
    for n, tools in stats.items():
        for t, s in tools.items():
            if s.drops:
                notes.append(f"N={n} {t}: tcpdump lost {s.drops} packets: its connection count is low")
    if notes:
        p("")
        p("Notes, disagreements, oddities:")
        for x in notes:
            p(f"  - {x}")

    # ---- README block
    p("")
    p("-" * 33 + " summary for the README " + "-" * 43)
    share = ""
    if sizes:
        big = max(sizes)
        share = f", {len(tarpits(big)) / sizes[big][0]:.0%} of the assets tarpits"
    p(f"`sudo bash bench/fleet`, one run on {ncpu} cores ({env('BENCH_CPU', '?')}); --timeout "
      f"{timeout}{share}; {env('BENCH_VERSIONS', '')}.")
    p("")
    p("| N assets | vendors | wall | CPU (user+sys) | peak RSS | connections | findings (pass/fail/error/skipped) | errors |")
    p("|---:|---:|---:|---:|---:|---:|---|---:|")
    for n, s in va_by_n.items():
        assets, vendors, _ = sizes.get(n, (n, n // 10, 0))
        c = s.counts[-1] or {}
        p(f"| {assets:,} | {vendors:,} | {s.wall:.2f} s | {f2(s.cpu)} s | {f2(s.rss, 1)} MiB | "
          f"{s.conns:,.0f} | {sum(c.values()):,} ({s.status()}) | {c.get('error', '?')} |")
    if peer_rows:
        p("")
        p("| N | peer on the same targets | wall (x vendor-audit) | CPU (x) | connections (x) |")
        p("|---:|---|---:|---:|---:|")
        for n, label, wall, cpu, conns, va in peer_rows:
            p(f"| {n:,} | {label} | {wall:.1f} s ({ratio(wall, va.wall)}) | {f2(cpu, 1)} s "
              f"({ratio(cpu, va.cpu)}) | {conns:,.0f} ({ratio(conns, va.conns)}) |")
    if TARGETS:
        p("")
        p("Targets: " + "; ".join(f"{name} {val} {verdict(ok)}" for name, val, ok in TARGETS) + ".")
    p("-" * 100)
    print("\n".join(out))


TARGETS = []
CREDSSP_NOTE = []


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd = sys.argv[1]
    if cmd == "summary":
        cmd_summary(sys.argv[2])
    elif cmd == "compare" and len(sys.argv) >= 4:
        cmd_compare(sys.argv[2:])
    elif cmd == "report":
        report(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
