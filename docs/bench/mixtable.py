#!/usr/bin/env python3
# mixtable.py FILE: the BENCH lines of mixes.sh as a Markdown table, one row
# per build: the median CPU per delivery of each mix over the rounds, and
# the medians of the per-round ratios to the unordered mix of that round.
import sys, statistics as st, collections
runs = collections.defaultdict(dict)  # (build, round) -> mix -> line
order = []
for line in open(sys.argv[1]):
    if not line.startswith('BENCH'):
        continue
    v = dict(kv.split('=', 1) for kv in line.split()[1:] if '=' in kv)
    key = (v['build'], v['rnd'])
    if v['build'] not in order:
        order.append(v['build'])
    runs[key][v['mix']] = v
print("| build | rounds | deliveries/s | unordered µs/delivery | ordered | update | ordered / unordered | update / unordered | p99 ms (u / o / upd) | other CPU % (max) |")
print("|---|---|---|---|---|---|---|---|---|---|")
for b in order:
    rs = [m for (bb, _), m in runs.items() if bb == b and len(m) == 3]
    cpu = lambda mix: st.median(float(r[mix]['server_cpu_us_per_msg']) for r in rs)
    p99 = lambda mix: st.median(float(r[mix]['p99_us']) for r in rs) / 1000
    ro = st.median(float(r['ordered']['server_cpu_us_per_msg']) / float(r['unordered']['server_cpu_us_per_msg']) for r in rs)
    ru = st.median(float(r['update']['server_cpu_us_per_msg']) / float(r['unordered']['server_cpu_us_per_msg']) for r in rs)
    dps = st.median(float(r['unordered']['delivered_per_s']) for r in rs)
    other = max(float(r[m]['other_cpu_pct']) for r in rs for m in r)
    print(f"| {b} | {len(rs)} | {dps/1000:.0f} k | {cpu('unordered'):.2f} | {cpu('ordered'):.2f} | {cpu('update'):.2f} | **{ro:.2f}** | **{ru:.2f}** | {p99('unordered'):.1f} / {p99('ordered'):.1f} / {p99('update'):.1f} | {other:.0f} |")
