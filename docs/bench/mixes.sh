#!/bin/bash
# Message mixes, side by side (docs/BENCHMARKS.md "Message mixes"): each
# build serves on its own port; for ROUNDS rounds, for every build in turn,
# one `tandem bench` run per mix (16 rooms of 8, RATE messages a second per
# player), so the builds and mixes alternate on a shared machine.
#
# Usage: mixes.sh ROUNDS RATE LABEL=/path/to/tandem...
# The load tool is the first build's. One BENCH line per run on stdout,
# prefixed with build=LABEL rnd=N.
set -u
rounds=$1; rate=$2; shift 2
work=$(mktemp -d); srv=""
pids=""; labels=""; tool=""
declare -A port
. "$(dirname "$0")/builds.sh"
start_builds 7950 "$@"
trap 'kill $pids 2>/dev/null; wait 2>/dev/null; rm -rf $work' EXIT
sleep 2
for r in $(seq 1 $rounds); do
  for label in $labels; do
    for mix in unordered ordered update; do
      "$tool" bench --addr 127.0.0.1:${port[$label]} --rooms 16 --players 8 --rate $rate --bytes 64 \
        --duration 5s --warmup 2s --mix $mix 2>/dev/null | grep '^BENCH' | sed "s/^BENCH /BENCH build=$label rnd=$r /"
    done
  done
done
