#!/usr/bin/env bash
# Compares HTTP2Server (h2bench, fixed 300-byte response) with nghttpd serving a static
# 300-byte file, under the same h2load command, back to back. Prints h2load's req/s and, since
# a shared machine makes req/s noisy, the server's CPU time per request (utime+stime from
# /proc). Usage: scripts/h2bench.sh [requests] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
ROUNDS=${2:-1}
H2BENCH_PORT=18091
NGHTTPD_PORT=18092
swift build -c release --product h2bench >/dev/null
DIR=$(mktemp -d)
head -c 300 /dev/zero | tr '\0' x > "$DIR/index.html"
.build/release/h2bench "$H2BENCH_PORT" 1 >/dev/null & H2=$!
nghttpd --no-tls -d "$DIR" "$NGHTTPD_PORT" >/dev/null 2>&1 & NG=$!
trap 'kill $H2 $NG 2>/dev/null; rm -rf "$DIR"' EXIT
sleep 1
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run() {  # name pid port
    local before after rps
    before=$(ticks "$2")
    rps=$(h2load -n "$N" -c 8 -m 16 -t 1 "http://127.0.0.1:$3/index.html" | awk '/finished in/ {print $4}')
    after=$(ticks "$2")
    local hz; hz=$(getconf CLK_TCK)
    echo "$1: $rps req/s, $(awk -v t=$((after - before)) -v hz="$hz" -v n="$N" 'BEGIN {printf "%.2f", t / hz * 1e6 / n}') µs CPU/request"
}
for _ in $(seq "$ROUNDS"); do
    run "metricsd-h2 (h2bench)" "$H2" "$H2BENCH_PORT"
    run "nghttpd              " "$NG" "$NGHTTPD_PORT"
done
