# builds.sh, sourced by cpucmp.sh and mixes.sh: start_builds BASEPORT
# LABEL=/path/to/tandem... starts one dev-mode Tandem server per build,
# each on its own port (BASEPORT + 10 i, admin on the next port), with a
# database under $work, started through $srv (e.g. taskset). It appends
# to labels (in order) and pids, and sets port[LABEL] and tool (the first
# build's binary: the load tool).
start_builds() {
  local base=$1; shift
  local common="--dev --log-level warn --msg-rate 10000 --msg-burst 20000 --max-conns-per-ip 30000"
  local i=0 spec label bin p
  for spec in "$@"; do
    label=${spec%%=*}; bin=${spec#*=}
    [ -z "$tool" ] && tool=$bin
    p=$((base + 10*i)); port[$label]=$p; i=$((i+1)); labels="$labels $label"
    $srv "$bin" serve --listen 127.0.0.1:$p --db $work/$label.db --admin 127.0.0.1:$((p+1)) $common > $work/$label.log 2>&1 &
    pids="$pids $!"
  done
}
