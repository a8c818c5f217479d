#!/bin/bash
# CPU per delivery, side by side (docs/BENCHMARKS.md "Issue 17, re-measured
# on a quiet machine"): several Tandem builds, each serving on its own port,
# and one plain nats-server (no --profile). For every rate, ROUNDS rounds;
# in each round every build in turn runs one `tandem bench` invocation,
# which measures Tandem and then the same load through NATS (raw client),
# so every Tandem figure has a NATS figure taken right after it.
#
# Usage: cpucmp.sh MODE ROUNDS "RATES" LABEL=/path/to/tandem...
#   MODE free: everything may use both cores; pinned: the servers on CPU 1
#   (GOMAXPROCS is then 1), the load tool on CPU 0.
#   e.g. cpucmp.sh free 3 "50 100 200 400" before=/tmp/t-546e904 final=/tmp/t
# The load tool is the first build's. One BENCH line per system and run on
# stdout, prefixed with build=LABEL rnd=N; medians.py turns them into the
# table of the document.
set -u
mode=$1; rounds=$2; rates=$3; shift 3
work=$(mktemp -d)
srv=""; cli=""
if [ "$mode" = pinned ]; then srv="taskset -c 1"; cli="taskset -c 0"; fi
pids=""; labels=""; tool=""
declare -A port
. "$(dirname "$0")/builds.sh"
start_builds 7900 "$@"
$srv nats-server -a 127.0.0.1 -p 4344 > $work/nats.log 2>&1 &
pids="$pids $!"
trap 'kill $pids 2>/dev/null; wait 2>/dev/null; rm -rf $work' EXIT
sleep 2
for rate in $rates; do
  for r in $(seq 1 $rounds); do
    for label in $labels; do
      echo "# mode=$mode rate=$rate round=$r build=$label load=$(cut -d' ' -f1 /proc/loadavg)"
      $cli "$tool" bench --addr 127.0.0.1:${port[$label]} --nats 127.0.0.1:4344 --nats-client raw \
        --rooms 16 --players 8 --rate $rate --bytes 64 --duration 5s --warmup 2s 2>/dev/null |
        grep '^BENCH' | sed "s/^BENCH /BENCH build=$label rnd=$r /"
    done
  done
done
