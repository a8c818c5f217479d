#!/bin/bash
# Flood isolation, side by side (docs/BENCHMARKS.md "Over-long lines and
# 3:4 amplification"): for every round, for every server configuration,
# the bench load unloaded, under longflood.sh and under ampflood.sh, each
# on a fresh server process (the same database), so that no back-off or
# login throttle carries over from one run to the next.
#
# Usage: floodiso.sh ROUNDS PORT CONFIG...
#   CONFIG is label=/path/to/tandem[,extra,serve,flags], e.g.
#   floodiso.sh 3 7851 before=/tmp/tandem-before after=/tmp/tandem off=/tmp/tandem,--abuse-backoff,0
# Server and bench run on core 0, the flood generators on core 1
# (PIN=0 runs everything unpinned). One line per run on stdout.
# FLOODS (default "none long amp") picks the runs; "ctl" is a control:
# longflood.sh against a port where nothing listens, so that the server
# does nothing for it and only the generator's own CPU use remains;
# "cpu" is another: one `yes > /dev/null` on the generators' core.
# NICE=<n> runs the generators (and controls) at that nice level.
# QUIET=<percent> waits before each run (up to 10 minutes) until the
# machine's CPU was at most that busy over 2 s (it is shared); the "busy"
# column is how busy it was.
set -u
rounds=$1 port=$2; shift 2
admin=$((port+1))
dir=/tmp/abench
mkdir -p $dir
here=$(cd "$(dirname "$0")" && pwd)
srvcpu=0 gencpu=1
[ "${PIN:-1}" = 1 ] || srvcpu=0,1 gencpu=0,1
# A simple command, not a function: $! must be the process that becomes
# the group leader (setsid), so that the whole generator can be killed.
genrun="taskset -c $gencpu nice -n ${NICE:-0} setsid"
busy() { # percent of all CPUs busy over 2 s
  local a b
  a=($(head -1 /proc/stat)); sleep 2; b=($(head -1 /proc/stat))
  local t=0 i
  for i in 1 2 3 4 5 6 7 8; do t=$((t + b[i] - a[i])); done
  echo $(( 100 - 100 * (b[4] - a[4] + b[5] - a[5]) / t ))
}
metric() { curl -s "http://127.0.0.1:$admin/metrics" | awk -v m="$1" 'index($0, m) == 1 {print $2; exit}'; }
printf '%-8s %-6s %-5s %6s %7s %8s %7s %7s %8s %7s %s\n' config flood round p50ms p99ms p999ms srvCPU othCPU refused attackc busy
for r in $(seq "$rounds"); do
  for cfg in "$@"; do
    label=${cfg%%=*}; spec=${cfg#*=}
    IFS=, read -r bin extra <<< "$spec"
    for flood in ${FLOODS:-none long amp}; do
      quiet=$(busy)
      for _ in $(seq 150); do [ "$quiet" -le "${QUIET:-100}" ] && break; quiet=$(busy); done
      taskset -c $srvcpu "$bin" serve --listen 127.0.0.1:$port --db $dir/t.db --dev --admin 127.0.0.1:$admin \
        --log-level warn ${extra//,/ } > $dir/serve.log 2>&1 &
      srv=$!
      for _ in $(seq 50); do curl -s "http://127.0.0.1:$admin/healthz" > /dev/null && break; sleep 0.1; done
      gen=
      : > $dir/attack.log
      case $flood in
        long) ATTACK_LOG=$dir/attack.log $genrun "$here/longflood.sh" 60 $port > $dir/gen.out 2>&1 & gen=$! ;;
        ctl) ATTACK_LOG=$dir/attack.log $genrun "$here/longflood.sh" 60 $((port+2)) > $dir/gen.out 2>&1 & gen=$! ;;
        amp) ATTACK_LOG=$dir/attack.log $genrun "$here/ampflood.sh" 60 $port > $dir/gen.out 2>&1 & gen=$! ;;
        cpu) $genrun bash -c 'yes > /dev/null' & gen=$! ;;
      esac
      sleep 1
      line=$(taskset -c $srvcpu "$bin" bench --systems tandem --addr 127.0.0.1:$port --server-pid $srv --rooms 16 --players 8 \
        --rate 20 --bytes 64 --duration 8s --warmup 3s 2>/dev/null | grep '^BENCH')
      refused=$(metric 'tandem_connections_refused_total{reason="abuse_backoff"}')
      attackc=$(wc -l < $dir/attack.log)
      if [ -n "$gen" ]; then kill -- -$gen 2>/dev/null; wait $gen 2>/dev/null; fi
      kill $srv; wait $srv 2>/dev/null
      kv() { grep -o " $1=[^ ]*" <<< "$line" | cut -d= -f2; }
      printf '%-8s %-6s %-5s %6.2f %7.2f %8.2f %7s %7s %8s %7s %s\n' "$label" $flood $r \
        "$(echo "$(kv p50_us)/1000" | bc -l)" "$(echo "$(kv p99_us)/1000" | bc -l)" "$(echo "$(kv p999_us)/1000" | bc -l)" \
        "$(kv server_cpu_pct)" "$(kv other_cpu_pct)" "${refused:--}" "$attackc" "$quiet%"
    done
  done
done
