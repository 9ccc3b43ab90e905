#!/usr/bin/env python3
"""Helpers of bench/tls: read what each tool found, and print the benchmark's tables.

    tls_report.py found-va FILE        vendor-audit JSON -> "N pairs<TAB>OWN" (OWN: the sum of
                                       its tls.connections facts), "n/a<TAB>" without tls assets
    tls_report.py found-sslyze FILE    sslyze --json_out -> "N pairs"
    tls_report.py found-testssl FILE   testssl.sh --jsonfile (-e) -> "N suites"
    tls_report.py report RESULTS.tsv   the tables, targets and README summary (metadata from
                                       BENCH_* environment variables set by bench/tls)
"""

import json
import os
import statistics
import sys
from collections import OrderedDict

NA = "n/a (tls not wired into run yet)"
ORDER = [
    "vendor-audit",
    "sslscan (suites)",
    "sslscan (default)",
    "nmap ssl-enum-ciphers",
    "sslyze",
    "testssl.sh -p -e",
]
REFERENCE = "sslscan (suites)"  # the target's yardstick: the "58 connections" figure
SEQUENTIAL = "sslscan --targets (sequential)"


def found_va(path):
    try:
        with open(path) as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as e:
        return f"? ({type(e).__name__})\t"
    assets = [
        a
        for v in doc.get("vendors", [])
        for a in v.get("assets", [])
        if a.get("kind") == "tls"
    ]
    if not assets:
        return "n/a\t"
    pairs = own = 0
    for a in assets:
        facts = a.get("facts", {})
        suites = facts.get("tls.suites") or {}
        pairs += sum(len(s) for s in suites.values())
        conns = facts.get("tls.connections")
        own += conns if isinstance(conns, int) else 0
    return f"{pairs} pairs\t{own}"


def found_sslyze(path):
    try:
        with open(path) as fh:
            res = json.load(fh)["server_scan_results"][0]["scan_result"]
    except (OSError, ValueError, KeyError, IndexError) as e:
        return f"? ({type(e).__name__})"
    n = sum(
        len((v.get("result") or {}).get("accepted_cipher_suites", []))
        for k, v in res.items()
        if k.endswith("_cipher_suites") and isinstance(v, dict)
    )
    return f"{n} pairs"


def found_testssl(path):
    try:
        with open(path) as fh:
            rows = json.load(fh)
    except (OSError, ValueError) as e:
        return f"? ({type(e).__name__})"
    return f"{sum(1 for r in rows if str(r.get('id', '')).startswith('cipher_x'))} suites"


class Stat:
    """One tool on one target: medians over its runs."""

    def __init__(self, rows):
        self.n = len(rows)
        self.wall = statistics.median(int(r["wall_us"]) / 1e6 for r in rows)
        self.conns = sorted({int(r["conns"]) for r in rows})
        self.syns = max(int(r["syns"]) for r in rows)
        rss = [int(r["rss_kib"]) / 1024 for r in rows if r["rss_kib"]]
        self.rss = statistics.median(rss) if rss else None
        self.found = rows[-1]["found"]
        self.own = sorted({int(r["own"]) for r in rows if r["own"]})
        self.rc = ",".join(sorted({r["rc"] for r in rows}))
        cpu = [float(r["cpu_s"]) for r in rows if r["cpu_s"]]
        self.cpu = statistics.median(cpu) if cpu else None
        self.srv = statistics.median(float(r["srv_cpu_s"]) for r in rows)
        self.all = statistics.median(float(r["all_cpu_s"]) for r in rows)
        self.drops = max(int(r["drops"]) for r in rows)
        # vendor-audit's own tls.connections fact against tcpdump's count, run by run
        self.agree = all(int(r["own"]) == int(r["conns"]) for r in rows if r["own"])

    @property
    def ok(self):
        return self.found != "n/a" and not self.found.startswith("?")

    @property
    def c(self):
        """Connections: the largest count seen (they should all be equal)."""
        return self.conns[-1]

    def cstr(self):
        t = str(self.c) if len(self.conns) == 1 else f"{self.conns[0]}-{self.c}"
        if self.syns > self.c:
            t += f" +{self.syns - self.c} rtx"
        if self.drops:
            t = ">=" + t
        return t


def fmt(x):
    return "-" if x is None else f"{x:.2f}"


def exits(s):
    return "" if s.rc == "0" else f"  exit {s.rc}"


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "-"


def report(path):
    env = os.environ.get
    cpu, ncpu = env("BENCH_CPU", "?"), env("BENCH_NCPU", "?")
    repeat, fleet = env("BENCH_REPEAT", "?"), env("BENCH_FLEET", "?")
    versions, kinds = env("BENCH_VERSIONS", ""), env("BENCH_KINDS", "")
    sslyze_why, testssl_ran = env("BENCH_SSLYZE_WHY", ""), env("BENCH_TESTSSL_RAN", "")

    with open(path) as fh:
        header = fh.readline().rstrip("\n").split("\t")
        rows = [dict(zip(header, line.rstrip("\n").split("\t"))) for line in fh]

    def group(scope):
        g = OrderedDict()
        for r in rows:
            if r["scope"] == scope:
                g.setdefault((r["target"], r["kind"]), OrderedDict()).setdefault(
                    r["tool"], []
                ).append(r)
        return OrderedDict(
            (key, OrderedDict((tool, Stat(rs)) for tool, rs in tools.items()))
            for key, tools in g.items()
        )

    out = []
    p = out.append
    notes = []
    verdicts = []
    p("")
    p("=" * 100)
    p(f"vendor-audit TLS benchmark, one run on {ncpu} cores ({cpu})")
    p(versions)
    p(f"load average (1, 5, 15 min): {env('BENCH_LOAD', '?')}")
    ncores = int(ncpu) if ncpu.isdigit() else 1
    timed = [r for r in rows if r["cpu_s"]]
    span = sum(int(r["wall_us"]) / 1e6 for r in timed) * ncores
    other = sum(max(0.0, float(r["all_cpu_s"]) - float(r["cpu_s"]) - float(r["srv_cpu_s"]))
                for r in timed)
    if span:
        p(f"other processes (not the tool measured, not its nginx) kept the cores {other / span:.0%} "
          f"busy during the measured runs")
    p("=" * 100)
    p("")
    p(f"Per endpoint: median wall time of {repeat} run(s) (testssl.sh: 1 run). conns = TCP")
    p("connections opened to the endpoint (distinct SYNs seen by tcpdump on lo; 'rtx' = SYN")
    p("retransmissions). xVA = tool / vendor-audit: above 1 means vendor-audit is faster or")
    p("opens fewer connections. found = accepted protocol/suite pairs (testssl.sh -e lists")
    p("suites, not pairs). vendor-audit's conns: tcpdump's count, then '(=N)' when its own")
    p("tls.connections fact says the same N, '(!=N)' when it does not. CPU s = the tool's user+sys")
    p("CPU; nginx = CPU nginx spent meanwhile (servers and tools share the same cores).")

    base = group("baseline")
    for tools in base.values():
        for tool, s in tools.items():
            p("")
            p(f"{tool}: {s.wall * 1000:.0f} ms (median of {s.n}), its fixed cost (start-up,")
            p("checks, judging, JSON), included in each of its per-endpoint times below.")

    per = group("endpoint")
    for (target, kind), tools in per.items():
        va = tools.get("vendor-audit")
        wired = va is not None and va.ok
        p("")
        p(f"{target}  {kind}")
        p(f"  {'tool':<22}{'wall s':>7}{'xVA':>7}{'conns':>14}{'xVA':>6}  {'found':<10}"
          f"{'RSS MiB':>8}{'CPU s':>7}{'nginx':>7}")
        for tool in sorted(tools, key=lambda t: ORDER.index(t) if t in ORDER else 99):
            s = tools[tool]
            if tool == "vendor-audit" and not wired:
                p(f"  {tool:<22}{NA}")
                continue
            conns = s.cstr()
            if tool == "vendor-audit":
                conns += f" ({'=' if s.agree else '!='}{','.join(map(str, s.own)) or '?'})"
                if not s.agree:
                    notes.append(f"{target}: tcpdump counted {s.conns}, vendor-audit's "
                                 f"tls.connections says {s.own}")
            tr = ratio(s.wall, va.wall) if wired else "-"
            cr = ratio(s.c, va.c) if wired else "-"
            rss = f"{s.rss:.1f}" if s.rss is not None else "-"
            p(f"  {tool:<22}{s.wall:>7.3f}{tr:>7}{conns:>14}{cr:>6}  {s.found:<10}{rss:>8}"
              f"{fmt(s.cpu):>7}{fmt(s.srv):>7}{exits(s)}")
        if sslyze_why:
            p(f"  {'sslyze':<22}not available ({sslyze_why})")
        if not testssl_ran:
            p(f"  {'testssl.sh -p -e':<22}skipped (BENCH_TESTSSL=0)")
        ref = tools.get(REFERENCE)
        for tool, s in tools.items():
            if ref and s.ok and s.found.endswith("pairs") and s.found != ref.found:
                notes.append(f"{target} ({kind}): {tool} found {s.found}, {REFERENCE} {ref.found}")
        if ref and kind == "legacy" and ref.found != "45 pairs":
            notes.append(f"{target} (legacy): {REFERENCE} found {ref.found}; the issue's legacy lab "
                         f"server has 45 (is this nginx/OpenSSL different?)")
        if wired and ref:
            tr = ref.wall / va.wall
            t_ok, c_ok = tr >= 1.0, va.c < ref.conns[0]
            verdicts += [t_ok, c_ok]
            p(f"  target: {REFERENCE} / vendor-audit time >= 1.0: {tr:.2f} "
              f"{'PASS' if t_ok else 'MISS'}; fewer connections than sslscan: {va.c} < "
              f"{ref.conns[0]} {'PASS' if c_ok else 'MISS'}")
        else:
            p(f"  target: {REFERENCE} / vendor-audit time >= 1.0: {NA}")

    fl = group("fleet")
    ftools = next(iter(fl.values())) if fl else OrderedDict()
    fva = ftools.get("vendor-audit")
    fwired = fva is not None and fva.ok
    seq = ftools.get(SEQUENTIAL)
    p("")
    p(f"Fleet: {fleet} endpoints ({kinds}); median of {env('BENCH_FLEET_REPEAT', '?')} run(s) "
      f"each; conns = SYNs to the fleet")
    p(f"  {'tool':<30}{'wall s':>7}{'xVA':>7}{'conns':>15}  {'found':<11}{'RSS MiB':>8}"
      f"{'CPU s':>7}{'nginx':>7}")
    for tool, s in ftools.items():
        if tool == "vendor-audit" and not fwired:
            p(f"  {tool:<30}{NA}")
            continue
        r = ratio(s.wall, fva.wall) if fwired else "-"
        conns = s.cstr()
        if tool == "vendor-audit":
            conns += f" ({'=' if s.agree else '!='}{','.join(map(str, s.own)) or '?'})"
        if tool == "vendor-audit" and not s.agree:
            notes.append(f"fleet: tcpdump counted {s.conns}, vendor-audit's tls.connections sum "
                         f"{s.own}")
        rss = f"{s.rss:.1f}" if s.rss is not None else "-"
        p(f"  {tool:<30}{s.wall:>7.2f}{r:>7}{conns:>15}  {s.found:<11}{rss:>8}"
          f"{fmt(s.cpu):>7}{fmt(s.srv):>7}{exits(s)}")
    if fwired and seq:
        speed = seq.wall / fva.wall
        f_ok, m_ok = speed >= 5.0, fva.rss is not None and fva.rss < 64
        verdicts += [f_ok, m_ok]
        p(f"  target: >= 5x faster than sequential sslscan: {speed:.1f}x "
          f"{'PASS' if f_ok else 'MISS'}; peak memory < 64 MiB: {fva.rss:.1f} MiB "
          f"{'PASS' if m_ok else 'MISS'}")
    else:
        p(f"  target: >= 5x faster than sequential sslscan: {NA}")
    for tool, s in ftools.items():
        if s.cpu is None or (tool == "vendor-audit" and not fwired):
            continue
        ours = (s.cpu + s.srv) / (ncores * s.wall)
        others = max(0.0, s.all - s.cpu - s.srv) / (ncores * s.wall)
        p(f"  cores during {tool}: {ours:.0%} busy with it and nginx ({s.cpu:.2f} + {s.srv:.2f} "
          f"CPU s), {others:.0%} with other processes")
    if fwired and seq and fva.cpu is not None:
        floor = (fva.cpu + fva.srv) / ncores
        p(f"  CPU floor of vendor-audit's run: {floor:.2f} s (its CPU + nginx's over {ncores} "
          f"cores, were the cores its own): at most {seq.wall / floor:.1f}x sequential sslscan here")
    for tool, s in ftools.items():
        if seq and s.ok and s.found != seq.found:
            notes.append(f"fleet: {tool} found {s.found}, {SEQUENTIAL} {seq.found}")

    for r in rows:
        if int(r["drops"]):
            notes.append(f"tcpdump lost {r['drops']} packets during {r['tool']} on {r['target']} "
                         f"(run {r['rep']}): its count there is a lower bound")
    if notes:
        p("")
        p("Disagreements:")
        for n in notes:
            p(f"  - {n}")

    # ---- a block to paste into README.md's performance section
    p("")
    p("-" * 33 + " summary for the README " + "-" * 43)
    p(f"`bash bench/tls`, one run on {ncpu} cores ({cpu}); {versions}.")
    p("Per endpoint: median wall time (x vendor-audit) and TCP connections counted by tcpdump.")
    p("")
    keys = list(per)
    p("| tool | " + " | ".join(k for _, k in keys) + " |")
    p("|---|" + "---:|" * len(keys))
    tools_seen = []
    for tools in per.values():
        tools_seen += [t for t in tools if t not in tools_seen]
    for tool in sorted(tools_seen, key=lambda t: ORDER.index(t) if t in ORDER else 99):
        cells = []
        for key in keys:
            tools = per[key]
            va = tools.get("vendor-audit")
            s = tools.get(tool)
            if s is None:
                cells.append("-")
            elif tool == "vendor-audit":
                cells.append(f"{s.wall:.3f} s, {s.c} conns" if s.ok else "n/a")
            elif va is not None and va.ok:
                cells.append(f"{s.wall:.3f} s ({s.wall / va.wall:.1f}x), {s.c} conns "
                             f"({s.c / va.c:.1f}x)")
            else:
                cells.append(f"{s.wall:.3f} s, {s.c} conns")
        p(f"| {tool} | " + " | ".join(cells) + " |")
    if sslyze_why:
        p(f"| sslyze | not available ({sslyze_why}) |" + " |" * (len(keys) - 1))
    p("")
    if fwired and seq:
        xargs = ftools.get("sslscan, xargs -P2")
        extra = f"; with xargs -P2 {xargs.wall:.2f} s" if xargs else ""
        p(f"Fleet of {fleet} endpoints ({kinds}): vendor-audit {fva.wall:.2f} s with peak RSS "
          f"{fva.rss:.1f} MiB and {fva.c} connections; sslscan's suite scan over the same list "
          f"{seq.wall:.2f} s sequentially ({seq.wall / fva.wall:.1f}x){extra}.")
    elif seq:
        p(f"Fleet of {fleet} endpoints ({kinds}): vendor-audit {NA}; sslscan's suite scan "
          f"{seq.wall:.2f} s sequentially, {seq.c} connections.")
    if verdicts:
        p(f"Targets met: {sum(verdicts)} of {len(verdicts)} (per endpoint: time ratio to sslscan "
          f">= 1.0 and fewer connections; fleet: >= 5x sequential sslscan, < 64 MiB).")
    p("-" * 100)
    print("\n".join(out))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "found-va":
        print(found_va(path))
    elif cmd == "found-sslyze":
        print(found_sslyze(path))
    elif cmd == "found-testssl":
        print(found_testssl(path))
    elif cmd == "report":
        report(path)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
