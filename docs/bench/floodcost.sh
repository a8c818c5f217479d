#!/bin/bash
# What an attack costs the server itself, without other load: the server's
# CPU time (user + system, from /proc) while one flood generator runs for
# SECONDS, on a fresh server per run (docs/BENCHMARKS.md "Over-long lines
# and 3:4 amplification"). CPU time, unlike latency, is little affected by
# other processes on the machine.
#
# Usage: floodcost.sh ROUNDS PORT SECONDS CONFIG...   (CONFIG as in floodiso.sh)
# Floods (FLOODS, default "long amp fast"): longflood.sh, ampflood.sh,
# fastflood.py (one process reconnecting as fast as it can, no forks).
# The server runs on core 0, the generator on core 1.
set -u
rounds=$1 port=$2 secs=$3; shift 3
admin=$((port+1))
dir=/tmp/abench
mkdir -p $dir
here=$(cd "$(dirname "$0")" && pwd)
ticks() { awk '{print $14 + $15}' /proc/$1/stat; }
metric() { curl -s "http://127.0.0.1:$admin/metrics" | awk -v m="$1" 'index($0, m) == 1 {print $2; exit}'; }
hz=$(getconf CLK_TCK)
printf '%-8s %-5s %-5s %8s %9s %8s %s\n' config flood round srvCPU% attackc refused us/conn
for r in $(seq "$rounds"); do
  for cfg in "$@"; do
    label=${cfg%%=*}; spec=${cfg#*=}
    IFS=, read -r bin extra <<< "$spec"
    for flood in ${FLOODS:-long amp fast}; do
      taskset -c 0 "$bin" serve --listen 127.0.0.1:$port --db $dir/t.db --dev --admin 127.0.0.1:$admin \
        --log-level warn ${extra//,/ } > $dir/serve.log 2>&1 &
      srv=$!
      for _ in $(seq 50); do curl -s "http://127.0.0.1:$admin/healthz" > /dev/null && break; sleep 0.1; done
      sleep 1
      : > $dir/attack.log
      t0=$(ticks $srv)
      case $flood in
        long) ATTACK_LOG=$dir/attack.log taskset -c 1 "$here/longflood.sh" "$secs" $port > $dir/gen.out 2>&1 ;;
        amp) ATTACK_LOG=$dir/attack.log taskset -c 1 "$here/ampflood.sh" "$secs" $port > $dir/gen.out 2>&1 ;;
        fast) taskset -c 1 python3 "$here/fastflood.py" $port 127.0.0.2 "$secs" > $dir/gen.out 2>&1
              awk '{for (i = 0; i < $2; i++) print ""}' $dir/gen.out > $dir/attack.log ;;
      esac
      sleep 1 # let the server finish with the last connections
      t1=$(ticks $srv)
      refused=$(metric 'tandem_connections_refused_total{reason="abuse_backoff"}')
      kill $srv; wait $srv 2>/dev/null
      attackc=$(wc -l < $dir/attack.log)
      cpu=$(echo "100 * ($t1 - $t0) / $hz / ($secs + 1)" | bc -l)
      per=$(echo "1000000 * ($t1 - $t0) / $hz / ($attackc + 0.0001)" | bc -l)
      printf '%-8s %-5s %-5s %8.1f %9s %8s %.0f\n' "$label" $flood $r "$cpu" "$attackc" "${refused:--}" "$per"
    done
  done
done
