#!/bin/sh
# make bench — how fast and how big the simulator is. Measures, asserts nothing.
#
# Every figure is measured RUNS times (5; QUICK=1: 3 runs and smaller sizes) and reported as
# min / median / max: a table on stdout, out/bench/results.json (machine, commit, lwipopts),
# out/bench/scale.svg (gnuplot: wall time and peak RSS against N). CALLGRIND=1 adds instruction
# counts split into lwIP / simulator / tracing / other (libc, kernel interface) per workload.
#
# Inputs (set by the Makefile): TCPSIM, DRIVER (tests/bench/bench_driver.c linked with this
# build), SCALE_DRIVER (the same built with TCPSIM_CONNS raised, for the N-connection runs).
# Optional: BENCH_OUT (default out/bench), SCALE_MAX (largest N, default 16384),
# BULK_BYTES (default 1 GiB; QUICK: 128 MiB), BENCH_PARTS (default "catalog bulk scale"),
# BENCH_APPEND=1 (add to the raw figures already in BENCH_OUT instead of starting afresh).
set -eu
TCPSIM=${TCPSIM:-build/tcpsim}
DRIVER=${DRIVER:-build/bench_driver}
SCALE_DRIVER=${SCALE_DRIVER:-build/scale/bench_driver}
OUTDIR=${BENCH_OUT:-out/bench}
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then RUNS=${RUNS:-3}; BULK=${BULK_BYTES:-134217728}; SCEN_RUNS=1
else RUNS=${RUNS:-5}; BULK=${BULK_BYTES:-1073741824}; SCEN_RUNS=$RUNS; fi
SCALE_MAX=${SCALE_MAX:-16384}

mkdir -p "$OUTDIR"
TMP=$(mktemp -d /tmp/tcpsim-bench-XXXXXX)
NODOT=$TMP/nodot            # an empty PATH entry: no `dot`, so no svg is rendered
mkdir -p "$NODOT"
trap 'rm -rf "$TMP"' EXIT
RAW=$OUTDIR/raw.tsv          # one line per measured value: figure, metric, value
[ "${BENCH_APPEND:-0}" = 1 ] || : > "$RAW"
PARTS=${BENCH_PARTS:-catalog bulk scale}
[ "${CALLGRIND:-0}" = 1 ] && PARTS="$PARTS callgrind"

# measure FIGURE CMD...: runs CMD (which prints key=value pairs) and records every pair.
# (sh has no local variables: the helpers' names start with an underscore)
measure() {
  _fig=$1; shift
  "$@" 2>"$TMP/err" | tr ' ' '\n' | grep = | while IFS== read -r _k _v; do
    printf '%s\t%s\t%s\n' "$_fig" "$_k" "$_v" >> "$RAW"; done
}
repeat() {   # repeat N FIGURE CMD...
  _n=$1; shift; _i=0
  while [ $_i -lt "$_n" ]; do measure "$@"; _i=$((_i + 1)); done
}
summarise() {   # raw.tsv -> summary.tsv: figure, metric, min, median, max, runs
  sort -t "$(printf '\t')" -k1,1 -k2,2 -k3,3g "$1" | awk -F '\t' '
    function flush() { if (n) printf "%s\t%s\t%s\t%s\t%s\t%d\n", f, m, v[1], v[int((n + 1) / 2)], v[n], n }
    { if ($1 != f || $2 != m) { flush(); f = $1; m = $2; n = 0 } v[++n] = $3 }
    END { flush() }'
}
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
nodot() { "$DRIVER" exec env PATH="$NODOT" "$@"; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: $RUNS runs per figure, load average $load_before, $(nproc) cores" >&2

# ---- start-up, catalog ----
if part catalog; then
repeat "$RUNS" startup nodot "$TCPSIM" run connect-refused --out "$TMP/o"
repeat "$RUNS" catalog nodot "$TCPSIM" all --out "$TMP/o"
repeat "$SCEN_RUNS" catalog_dot "$DRIVER" exec "$TCPSIM" all --out "$TMP/o"
for f in scenarios/*.scn; do
  id=$(basename "$f" .scn)
  repeat "$SCEN_RUNS" "sim:$id" "$DRIVER" scenario "$f"
  repeat "$SCEN_RUNS" "sinks:$id" nodot "$TCPSIM" run "$id" --out "$TMP/o"
  repeat "$SCEN_RUNS" "dot:$id" "$DRIVER" exec "$TCPSIM" run "$id" --out "$TMP/o"
done
fi

# ---- bulk: the simulator against Linux loopback and memcpy, in the same run ----
if part bulk; then
repeat "$RUNS" bulk_off "$DRIVER" bulk "$BULK"
repeat "$RUNS" bulk_full "$DRIVER" bulk "$BULK" "$TMP/bulk"
rm -rf "$TMP/bulk"
repeat "$RUNS" bulk_stream "$DRIVER" bulk "$BULK" "$TMP/bulk" stream
rm -rf "$TMP/bulk"
repeat "$RUNS" loopback "$DRIVER" loopback "$BULK"
repeat "$RUNS" memcpy "$DRIVER" memcpy "$BULK"
fi

# ---- N concurrent connections (all N through the scale instance family) ----
SCALE_NS=
n=1024
while [ $n -le "$SCALE_MAX" ]; do
  SCALE_NS="$SCALE_NS $n"
  r=$RUNS; [ $n -ge 8192 ] && [ "$QUICK" = 1 ] && r=1
  part scale && repeat "$r" "scale:$n" "$SCALE_DRIVER" scale "$n"
  n=$((n * 2))
done

# ---- callgrind: where the instructions go ----
if part callgrind; then
  VALGRIND=$(command -v valgrind)
  # cg FIGURE CMD...: total instructions and the share of each part, of CMD's own process.
  # Valgrind runs CMD itself (a wrapper such as `env` would be all it measures: valgrind does
  # not follow exec by default); CG_PATH, when set, is CMD's PATH. Forked children (a failed
  # attempt to start Graphviz) get files of their own, named by pid: only the parent's is read,
  # and the parent keeps the pid of the background job since env and valgrind both exec.
  cg() {
    fig=$1; shift
    env PATH="${CG_PATH:-$PATH}" "$VALGRIND" --tool=callgrind --trace-children=no \
      --callgrind-out-file="$TMP/cg.%p" "$@" >/dev/null 2>&1 &
    _pid=$!
    wait "$_pid" || true
    callgrind_annotate --inclusive=no --auto=no --threshold=100 "$TMP/cg.$_pid" 2>/dev/null | awk -v fig="$fig" '
      /^ *[0-9,]+ .*:/ {
        ir = $1; gsub(",", "", ir); what = $0; sub(/^ *[0-9,]+ +(\([^)]*\) +)?/, "", what)
        part = "other"
        if (what ~ /build\/lwip\/src\//) part = "lwip"
        else if (what ~ /sim\/trace|sim\/json_write|sim\/strbuf|libjansson|libpcap/) part = "tracing"
        else if (what ~ /(^|\/)sim\/|lwip-port\//) part = "simulator"
        total += ir; sum[part] += ir
      }
      END {
        printf "%s\tinstr_total\t%.0f\n", fig, total
        n = split("lwip simulator tracing other", parts, " ")
        for (i = 1; i <= n; i++) printf "%s\tpct_%s\t%.1f\n", fig, parts[i], total ? 100 * sum[parts[i]] / total : 0
      }' >> "$RAW"
    rm -f "$TMP"/cg.*
  }
  cg cg_bulk_off "$DRIVER" bulk 16777216
  cg cg_bulk_full "$DRIVER" bulk 16777216 "$TMP/bulk"
  cg cg_scale_1024 "$SCALE_DRIVER" scale 1024
  CG_PATH=$NODOT   # no Graphviz: the catalog's own work, not dot's
  cg cg_catalog "$TCPSIM" all --out "$TMP/o"
  CG_PATH=
fi

# ---- summary: min / median / max of every figure and metric ----
SUMMARY=$OUTDIR/summary.tsv
summarise "$RAW" > "$SUMMARY"

med() { awk -F '\t' -v f="$1" -v m="$2" '$1 == f && $2 == m { print $4; exit }' "${S:-$SUMMARY}"; }
mmm() { awk -F '\t' -v f="$1" -v m="$2" -v s="${3:-1}" -v fmt="${4:-%.3f}" '$1 == f && $2 == m {
  printf fmt " / " fmt " / " fmt, $3 * s, $4 * s, $5 * s; exit }' "$SUMMARY"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }

echo
echo "tcpsim bench — $(git rev-parse --short HEAD 2>/dev/null || echo '?'), load $load_before, min / median / max of $RUNS runs"
printf '%-44s %s\n' "figure" "value"
printf '%-44s %s s\n' "tcpsim all, Graphviz off" "$(mmm catalog wall_s)"
printf '%-44s %s s\n' "tcpsim all, Graphviz on" "$(mmm catalog_dot wall_s)"
sim_total=$(awk -F '\t' '$1 ~ /^sim:/ && $2 == "wall_s" { s += $4 } END { printf "%.3f", s }' "$SUMMARY")
sink_total=$(awk -F '\t' '$1 ~ /^sinks:/ && $2 == "wall_s" { s += $4 } END { printf "%.3f", s }' "$SUMMARY")
dot_total=$(awk -F '\t' '$1 ~ /^dot:/ && $2 == "wall_s" { s += $4 } END { printf "%.3f", s }' "$SUMMARY")
printf '%-44s %s s simulation, %s s with sinks, %s s with Graphviz\n' "catalog, sum of per-scenario medians" \
  "$sim_total" "$sink_total" "$dot_total"
printf '%-44s %s ms, %s page faults\n' "one trivial tcpsim run (connect-refused)" \
  "$(mmm startup wall_s 1000 %.1f)" "$(mmm startup minflt 1 %.0f)"
lo=$(med loopback gbit_s)
printf '%-44s %s Gbit/s = %s x loopback\n' "bulk transfer, recording off" "$(mmm bulk_off gbit_s)" \
  "$(ratio "$(med bulk_off gbit_s)" "$lo")"
printf '%-44s %s MiB\n' "peak RSS of that bulk run" "$(mmm bulk_off peak_rss_kib 0.0009765625 %.0f)"
printf '%-44s %s Gbit/s = %s x loopback\n' "bulk, full tracing" "$(mmm bulk_full gbit_s)" \
  "$(ratio "$(med bulk_full gbit_s)" "$lo")"
printf '%-44s x%s\n' "full tracing cost vs recording off" \
  "$(ratio "$(med bulk_full wall_s)" "$(med bulk_off wall_s)")"
printf '%-44s %s Gbit/s, x%s recording off, peak %s MiB\n' "bulk, the same files, events not kept" \
  "$(mmm bulk_stream gbit_s)" "$(ratio "$(med bulk_stream wall_s)" "$(med bulk_off wall_s)")" \
  "$(med bulk_stream peak_rss_kib | awk '{printf "%.0f", $1 / 1024}')"
printf '%-44s %s MiB\n' "peak RSS with full tracing" "$(mmm bulk_full peak_rss_kib 0.0009765625 %.0f)"
printf '%-44s %s Gbit/s\n' "Linux loopback TCP, same bytes" "$(mmm loopback gbit_s)"
printf '%-44s %s Gbit/s\n' "memcpy, 64 KiB chunks" "$(mmm memcpy gbit_s)"
prev=; prev_cpu=
for n in $SCALE_NS; do
  w=$(med "scale:$n" wall_s)
  [ -n "$w" ] || continue
  c=$(med "scale:$n" cpu_s)
  growth=; [ -n "$prev" ] && growth=" growth x$(ratio "$w" "$prev")"
  [ -n "$prev_cpu" ] && [ -n "$c" ] && growth="$growth (CPU x$(ratio "$c" "$prev_cpu"))"
  # a run that did not end by itself (a refused connect leaves the server in accept) is marked
  broken=$(awk -F '\t' -v f="scale:$n" '$1 == f && (($2 == "result" && $5 != 0) || ($2 == "connect_failed" && $5 > 0)) { print " INCOMPLETE"; exit }' "$SUMMARY")
  printf '%-44s %s s (CPU %s s), %s MiB, %s us/conn%s%s\n' "N=$n connections" "$(mmm "scale:$n" wall_s)" \
    "$(mmm "scale:$n" cpu_s)" "$(mmm "scale:$n" peak_rss_kib 0.0009765625 %.0f)" \
    "$(mmm "scale:$n" per_conn_us 1 %.0f)" "$growth" "$broken"
  prev=$w; prev_cpu=$c
done
echo
echo "time compression (simulation alone, longest virtual time first):"
awk -F '\t' '$1 ~ /^sim:/ && $2 == "virtual_s" { v[substr($1, 5)] = $4 }
  $1 ~ /^sim:/ && $2 == "wall_s" { w[substr($1, 5)] = $4 }
  END { for (id in v) printf "%s\t%s\t%s\n", id, v[id], w[id] }' "$SUMMARY" | sort -t "$(printf '\t')" -k2,2gr | head -5 |
  awk -F '\t' '{ printf "  %-36s %10.1f s virtual in %8.1f ms  = %.0fx\n", $1, $2, $3 * 1000, ($3 > 0 ? $2 / $3 : 0) }'
if grep -q '^cg_' "$SUMMARY"; then
  echo
  echo "instructions (callgrind):      total        lwIP  simulator  tracing  other"
  for fig in cg_bulk_off cg_bulk_full cg_scale_1024 cg_catalog; do
    printf '  %-20s %14s %9s%% %9s%% %7s%% %5s%%\n' "$fig" "$(med $fig instr_total)" "$(med $fig pct_lwip)" \
      "$(med $fig pct_simulator)" "$(med $fig pct_tracing)" "$(med $fig pct_other)"
  done
fi

# ---- the issue's table: before (tests/bench/before.tsv, b94a1dc) and now ----
cpu_note() { _c=$(med "$1" cpu_s); [ -n "$_c" ] && printf ' (CPU %s)' "$2"; }
fig_catalog() { printf '%.2f s%s' "$(med catalog wall_s)" "$(cpu_note catalog "$(med catalog cpu_s) s")"; }
fig_startup() {
  printf '%.0f ms%s, %.0f page faults' "$(awk -v v="$(med startup wall_s)" 'BEGIN { print v * 1000 }')" \
    "$(cpu_note startup "$(awk -v v="$(med startup cpu_s)" 'BEGIN { printf "%.0f ms", v * 1000 }')")" "$(med startup minflt)"
}
fig_bulk() { printf '%.2f Gbit/s = %s x loopback' "$(med bulk_off gbit_s)" "$(ratio "$(med bulk_off gbit_s)" "$(med loopback gbit_s)")"; }
fig_rss() { printf '%.0f MiB' "$(awk -v k="$(med bulk_off peak_rss_kib)" 'BEGIN { print k / 1024 }')"; }
fig_growth() {
  _prev=; _out=
  for _n in 1024 2048 4096 8192 16384; do
    _w=$(med "scale:$_n" wall_s); [ -n "$_w" ] || continue
    [ -n "$_prev" ] && _out="$_out x$(awk -v a="$_w" -v b="$_prev" 'BEGIN { printf "%.1f", a / b }'),"
    _prev=$_w
  done
  printf '%s' "${_out%,}"
}
fig_16k() {
  _w=$(med scale:16384 wall_s)
  if [ -n "$_w" ]; then printf '%.0f s%s, %.0f MiB' "$_w" "$(cpu_note scale:16384 "$(awk -v v="$(med scale:16384 cpu_s)" 'BEGIN { printf "%.1f s", v }')")" \
    "$(awk -v k="$(med scale:16384 peak_rss_kib)" 'BEGIN { print k / 1024 }')"
  else printf 'not measured'; fi
}
fig_tracing() { printf 'x%s' "$(ratio "$(med bulk_full wall_s)" "$(med bulk_off wall_s)")"; }
BEFORE=tests/bench/before.tsv
if [ -f "$BEFORE" ]; then
  summarise "$BEFORE" > "$TMP/before.summary"
  echo
  echo "issue 11: before (b94a1dc, tests/bench/before.tsv) and now (medians)"
  printf '| %s | %s | %s | %s |\n' figure before now target
  printf '|---|---|---|---|\n'
  row() {   # row LABEL FUNCTION TARGET
    printf '| %s | %s | %s | %s |\n' "$1" "$(S=$TMP/before.summary $2)" "$(S=$SUMMARY $2)" "$3"
  }
  row "tcpsim all, whole catalog, Graphviz off" fig_catalog "<= 0.5 s"
  row "one trivial tcpsim run (connect-refused)" fig_startup "<= 20 ms"
  row "bulk, recording off" fig_bulk ">= 0.25 x loopback"
  row "peak RSS of that bulk run" fig_rss "<= 64 MiB"
  row "N connections: growth per doubling (1k..16k)" fig_growth "<= x2.3 up to 16k"
  row "16k connections" fig_16k "<= 10 s, <= 512 MiB"
  row "full tracing cost vs recording off" fig_tracing "<= x1.5"
fi

# ---- results.json and the plot ----
jq -Rn --arg commit "$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
  --arg machine "$(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" \
  --arg load "$load_before" --arg quick "$QUICK" --argjson runs "$RUNS" \
  --arg lwipopts "$(grep -E '^#define (TCPSIM_CONNS|TCP_|MEMP_|PBUF_POOL|MEM_SIZE|TCPIP_MBOX)' lwip-port/lwipopts.h | tr -s ' ')" \
  '{commit: $commit, machine: $machine, load_average: $load, quick: ($quick == "1"), runs: $runs,
    lwipopts: ($lwipopts | split("\n")),
    figures: [inputs | split("\t") | {figure: .[0], metric: .[1], min: (.[2] | tonumber),
              median: (.[3] | tonumber), max: (.[4] | tonumber), runs: (.[5] | tonumber)}]}' \
  < "$SUMMARY" > "$OUTDIR/results.json"
for n in $SCALE_NS; do
  [ -n "$(med "scale:$n" wall_s)" ] || continue
  printf '%s %s %s\n' "$n" "$(med "scale:$n" wall_s)" "$(awk -v k="$(med "scale:$n" peak_rss_kib)" 'BEGIN { print k / 1024 }')"
done > "$OUTDIR/scale.dat"
if command -v gnuplot >/dev/null 2>&1 && [ -s "$OUTDIR/scale.dat" ]; then
  gnuplot <<EOF
set terminal svg size 720,420 dynamic
set output '$OUTDIR/scale.svg'
set title 'N concurrent connections (median of runs)'
set xlabel 'connections N'
set logscale x 2
set ylabel 'wall time (s)'
set y2label 'peak RSS (MiB)'
set ytics nomirror
set y2tics
set key top left
plot '$OUTDIR/scale.dat' using 1:2 with linespoints title 'wall time', \
     '$OUTDIR/scale.dat' using 1:3 axes x1y2 with linespoints title 'peak RSS'
EOF
fi
echo
echo "bench: results in $OUTDIR/results.json, plot in $OUTDIR/scale.svg"
