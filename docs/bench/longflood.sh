#!/bin/bash
# 3 unauthenticated senders of over-long lines (70 KB > --max-line), reconnecting (bash /dev/tcp; no nc here).
end=$((SECONDS+${1:-16}))
line=$(head -c 70000 < /dev/zero | tr '\0' 'x')
n=0
for k in 1 2 3; do
  ( while [ $SECONDS -lt $end ]; do
      exec 3<>/dev/tcp/127.0.0.1/7851 || continue
      cat <&3 > /dev/null & r=$!
      timeout 5 yes "$line" >&3 2>/dev/null
      exec 3>&-; kill $r 2>/dev/null
    done ) &
done
wait
