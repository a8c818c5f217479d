#!/bin/bash
# A victim in room "amp" reading normally; an attacker sends 3:4 listing it
# 256 times with a 60 KB message, reconnecting at once when cut.
# Usage: ampflood.sh [seconds=16] [port=7851] [attacker source address=127.0.0.2]
# The victim connects from 127.0.0.1, the attacker from the source address
# (socat bind=), as with an attacker on another machine.
# With ATTACK_LOG set, one line per attacker connection is appended to it.
end=$((SECONDS+${1:-16}))
port=${2:-7851}
src=${3:-127.0.0.2}
mkdir -p /tmp/abench
: > /tmp/abench/attacker.out
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf '0:victim:pw\n2:amp\n' >&3
read -r first <&3
vid=${first#0:}; vid=${vid%$'\r'}; vid=${vid%%:*}   # 0:<id> or 0:<id>:<session>:<resume>
( while true; do printf '7:keep\n'; sleep 5; done >&3 ) & keeper=$!
cat <&3 > /tmp/abench/victim.out &
ids=$(for i in $(seq 256); do printf '%s:' "$vid"; done)
msg=$(head -c 60000 < /dev/zero | tr '\0' 'm')
payload="3:4:${ids}${msg}"
n=0
while [ $SECONDS -lt $end ]; do
  { printf '0:attacker:pw\n2:amp\n'; timeout 5 yes "$payload"; } 2>/dev/null |
    socat -t 0.01 - "TCP:127.0.0.1:$port,bind=$src" >> /tmp/abench/attacker.out 2>/dev/null
  n=$((n+1)); [ -n "${ATTACK_LOG:-}" ] && echo >> "$ATTACK_LOG"
done
kill $keeper
echo "attacker: $n connections"
echo "victim: $(grep -c '^3:' /tmp/abench/victim.out) messages, $(grep -c '^8:' /tmp/abench/victim.out) closing lines"
echo "attacker answers: $(cut -d: -f1-3 /tmp/abench/attacker.out | sort | uniq -c | sort -rn | head -5 | tr '\n' ';')"
