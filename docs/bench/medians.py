#!/usr/bin/env python3
# medians.py FILE...: the BENCH lines of cpucmp.sh as a Markdown table, one row
# per rate and build: medians over the rounds of the CPU per delivery of
# Tandem and of NATS measured in the same invocation, of their ratio (with
# its range), of p99 and of deliveries per write.
import sys, statistics as st, collections
rows=collections.defaultdict(list)
for fn in sys.argv[1:]:
    t=None
    for line in open(fn):
        if not line.startswith('BENCH'): continue
        v=dict(kv.split('=',1) for kv in line.split()[1:] if '=' in kv)
        if v['system']=='tandem': t=v; continue
        n=v
        rows[(int(float(t['rate'])), t['build'])].append((float(t['server_cpu_us_per_msg']), float(n['server_cpu_us_per_msg']),
            float(t['p99_us'])/1000, float(n['p99_us'])/1000, float(t['server_msgs_per_write']), float(n['server_msgs_per_write']),
            float(t['delivered_per_s']), float(t['other_cpu_pct']), float(n['other_cpu_pct']), int(t['lost']), int(n['lost'])))
print("| deliveries/s | build | rounds | Tandem µs/delivery | NATS µs/delivery | Tandem / NATS (median of rounds; range) | p99 ms Tandem / NATS (medians) | deliveries per write Tandem / NATS | lost | other CPU % (max) |")
print("|---|---|---|---|---|---|---|---|---|---|")
for (rate,b),rs in sorted(rows.items(), key=lambda x:(x[0][0], ['before','after','final','v1','v3','v4'].index(x[0][1]) if x[0][1] in ['before','after','final','v1','v3','v4'] else 9)):
    ratios=[r[0]/r[1] for r in rs]
    med=lambda i: st.median([r[i] for r in rs])
    print(f"| {med(6)/1000:.0f} k | {b} | {len(rs)} | {med(0):.2f} | {med(1):.2f} | **{st.median(ratios):.2f}** ({min(ratios):.2f}–{max(ratios):.2f}) | {med(2):.1f} / {med(3):.1f} | {med(4):.2f} / {med(5):.2f} | {sum(r[9] for r in rs)} / {sum(r[10] for r in rs)} | {max(max(r[7],r[8]) for r in rs):.0f} |")
