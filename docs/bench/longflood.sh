#!/bin/bash
# Three unauthenticated senders of over-long lines (70 KB > --max-line),
# each reconnecting at once when cut.
# Usage: longflood.sh [seconds=16] [port=7851] [source address=127.0.0.2]
# The senders connect from the source address (socat bind=), so that the
# server's per-address back-off (--abuse-backoff) meets them and not the
# load generator on 127.0.0.1, as with an attacker on another machine.
# With ATTACK_LOG set, one line per connection is appended to that file.
end=$((SECONDS+${1:-16}))
port=${2:-7851}
src=${3:-127.0.0.2}
line=$(head -c 70000 < /dev/zero | tr '\0' 'x')
for k in 1 2 3; do
  ( n=0
    while [ $SECONDS -lt $end ]; do
      timeout 5 yes "$line" 2>/dev/null | socat -u - "TCP:127.0.0.1:$port,bind=$src" 2>/dev/null
      n=$((n+1)); [ -n "${ATTACK_LOG:-}" ] && echo >> "$ATTACK_LOG"
    done
    echo "sender $k: $n connections" ) &
done
wait
