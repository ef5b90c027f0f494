#!/usr/bin/env python3
"""Summary table of a perf/portable.sh run: reads the clients' live lines
and --json summaries and testpmd's per-second port statistics from the
run's folder, prints markdown. Rates are means of the per-second samples
after the warm-up, as perf/run.sh computes them.

    portable_summary.py OUTDIR WARM_S SECONDS
"""
import glob
import json
import os
import re
import statistics
import sys

out, warm, secs = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])

LIVE = re.compile(r"^\[ *([0-9.]+)s\] new ([0-9.]+)/s")
RESP = re.compile(r"^ +req .* resp ([0-9.]+)/s")
RX = re.compile(r"^ +rx ([0-9.]+) Gbit/s ([0-9.]+) Mpps +tx ([0-9.]+) Gbit/s ([0-9.]+) Mpps")


def series(tag):
    """Per-second (t, new/s, resp/s, rx Gbit/s, rx Mpps, tx Gbit/s, tx Mpps)."""
    rows, t, new, resp = [], None, 0.0, 0.0
    path = os.path.join(out, tag + "-client.log")
    if not os.path.exists(path):
        return rows
    for line in open(path, errors="replace"):
        m = LIVE.match(line)
        if m:
            t, new, resp = float(m.group(1)), float(m.group(2)), 0.0
            continue
        m = RESP.match(line)
        if m:
            resp = float(m.group(1))
            continue
        m = RX.match(line)
        if m and t is not None and warm < t <= warm + secs + 0.5:
            rows.append((t, new, resp) + tuple(float(g) for g in m.groups()))
    return rows


def mean_cv(vals):
    if not vals:
        return 0.0, 0.0
    m = statistics.fmean(vals)
    return m, (statistics.pstdev(vals) / m if m else 0.0)


def summary(tag):
    path = os.path.join(out, tag + "-client.json")
    return json.load(open(path)) if os.path.exists(path) else None


rows = []
for tag in sorted({os.path.basename(p)[:-len("-client.log")]
                   for p in glob.glob(os.path.join(out, "*-client.log"))}):
    if tag == "hold":
        continue
    s, j = series(tag), summary(tag)
    fails = j["counters"]["failures"] if j else "no summary"
    if tag.startswith("cps"):
        m, cv = mean_cv([r[1] for r in s])
        mpps, _ = mean_cv([(r[4] + r[6]) / 2 for r in s])
        rows.append((tag, f"{m:,.0f} connections/s (cv {cv:.2f})",
                     f"{mpps:.3f} Mpps each way", fails))
    elif tag.startswith("ka"):
        m, cv = mean_cv([r[2] for r in s])
        mpps, _ = mean_cv([(r[4] + r[6]) / 2 for r in s])
        rows.append((tag, f"{m:,.0f} requests/s (cv {cv:.2f})",
                     f"{mpps:.3f} Mpps each way", fails))
    elif tag.startswith("rr") and j:
        lat = j["latency"]["request"]
        rows.append((tag, "p50 %.1f us, p99 %.1f us, p99.9 %.1f us" % (
            lat["p50_ns"] / 1e3, lat["p99_ns"] / 1e3, lat["p99.9_ns"] / 1e3),
            f"{j['rates']['responses_per_sec']:,.0f} transactions/s", fails))
    elif tag.startswith("bulk") and j:
        up = "upload" in tag
        c = j["counters"]
        good = (c["app_bytes_tx"] if up else c["app_bytes_rx"]) * 8 / j["duration_s"] / 1e9
        wire, cv = mean_cv([r[5] if up else r[3] for r in s])
        rows.append((tag, f"{good:.2f} Gbit/s goodput",
                     f"{wire:.2f} Gbit/s on the wire (cv {cv:.2f})", fails))
    else:
        rows.append((tag, "no figures", "", fails))

# testpmd: "Rx-pps: N Rx-bps: N" per port, once a second, in each log.
PPS = re.compile(r"Rx-pps: +([0-9]+) +Rx-bps: +([0-9]+)")
for a in sorted(glob.glob(os.path.join(out, "*-A.log"))):
    tag = os.path.basename(a)[:-len("-A.log")]
    per = []
    for side in ("A", "B"):
        samples = [(int(m.group(1)), int(m.group(2)))
                   for m in PPS.finditer(open(os.path.join(out, f"{tag}-{side}.log"),
                                              errors="replace").read())]
        # A starts 2 s before B, which starts sending at once.
        skip = int(warm) + (2 if side == "A" else 0)
        samples = samples[skip:skip + int(secs)]
        per.append((statistics.fmean([p for p, _ in samples]) if samples else 0.0,
                    statistics.fmean([b for _, b in samples]) if samples else 0.0))
    rows.append(("testpmd " + tag,
                 "A receives %.3f Mpps (%.2f Gbit/s)" % (per[0][0] / 1e6, per[0][1] / 1e9),
                 "B receives %.3f Mpps (%.2f Gbit/s)" % (per[1][0] / 1e6, per[1][1] / 1e9), ""))

# hold.csv: seconds, established, server and client VmRSS (kB), once a
# second. Bytes per connection: least-squares slope of VmRSS against the
# established count over the rows past a fifth of the final count, so
# that what does not grow with the connections (pools, rings and tables
# touched by the first ones) stays out.
hold = os.path.join(out, "hold.csv")
if os.path.exists(hold):
    data = [tuple(int(v) for v in line.split(","))
            for line in open(hold).read().splitlines()[1:] if line]
    if data:
        last = data[-1]
        pts = [d for d in data if d[1] >= last[1] / 5]

        def slope(col):
            xs = [d[1] for d in pts]
            ys = [d[col] * 1024 for d in pts]
            if len(pts) < 2 or max(xs) == min(xs):
                return float("nan")
            mx, my = statistics.fmean(xs), statistics.fmean(ys)
            return (sum((x - mx) * (y - my) for x, y in zip(xs, ys)) /
                    sum((x - mx) ** 2 for x in xs))
        # The slope leaves out what was made resident before the first
        # connection although sized for all of them (free lists, rings);
        # the whole VmRSS over the count includes it, and the pools.
        rows.append(("hold", f"{last[1]:,} established after {last[0]} s",
                     "grows %.0f B per connection (server), %.0f B (client); "
                     "VmRSS at the end %.2f / %.2f GiB = %.0f / %.0f B per connection all included" % (
                         slope(2), slope(3), last[2] / 2**20, last[3] / 2**20,
                         last[2] * 1024 / max(last[1], 1), last[3] * 1024 / max(last[1], 1)), ""))

print(open(os.path.join(out, "machine.txt")).read())
print("| run | figure | also | client failures |")
print("| --- | --- | --- | --- |")
for r in rows:
    print("| %s | %s | %s | %s |" % r)
