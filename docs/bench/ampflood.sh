#!/bin/bash
# A victim in room "amp" reading normally; an attacker sends 3:4 listing it 256 times with a 60 KB message, reconnecting.
end=$((SECONDS+${1:-16}))
exec 3<>/dev/tcp/127.0.0.1/7851
printf '0:victim:pw\n2:amp\n' >&3
read -r first <&3
vid=${first#0:}; vid=${vid%$'\r'}; vid=${vid%%:*}   # 0:<id> or 0:<id>:<session>:<resume>
( while true; do printf '7:keep\n'; sleep 5; done >&3 ) & keeper=$!
cat <&3 > /tmp/abench/victim.out &
ids=$(for i in $(seq 256); do printf '%s:' "$vid"; done)
msg=$(head -c 60000 < /dev/zero | tr '\0' 'm')
payload="3:4:${ids}${msg}"
while [ $SECONDS -lt $end ]; do
  exec 4<>/dev/tcp/127.0.0.1/7851 || continue
  cat <&4 >> /tmp/abench/attacker.out & r=$!
  { printf '0:attacker:pw\n2:amp\n'; timeout 5 yes "$payload"; } >&4 2>/dev/null
  exec 4>&-; kill $r 2>/dev/null
done
kill $keeper
echo "victim: $(grep -c '^3:' /tmp/abench/victim.out) messages, $(grep -c '^8:' /tmp/abench/victim.out) closing lines"
echo "attacker answers: $(cut -d: -f1-3 /tmp/abench/attacker.out | sort | uniq -c | sort -rn | head -5 | tr '\n' ';')"
