#!/usr/bin/env bash
# Compares HTTP2Server (h2bench, fixed 300-byte response) with nghttpd serving a static
# 300-byte file, under the same h2load command. Usage: scripts/h2bench.sh [requests]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
H2BENCH_PORT=18091
NGHTTPD_PORT=18092
swift build -c release --product h2bench >/dev/null
DIR=$(mktemp -d)
head -c 300 /dev/zero | tr '\0' x > "$DIR/index.html"
.build/release/h2bench "$H2BENCH_PORT" 1 >/dev/null & H2=$!
nghttpd --no-tls -d "$DIR" "$NGHTTPD_PORT" >/dev/null 2>&1 & NG=$!
trap 'kill $H2 $NG 2>/dev/null; rm -rf "$DIR"' EXIT
sleep 1
run() { h2load -n "$N" -c 8 -m 16 -t 1 "$1" | grep -E "finished in|requests:"; }
echo "metricsd-h2 (h2bench):"; run "http://127.0.0.1:$H2BENCH_PORT/index.html"
echo "nghttpd:";               run "http://127.0.0.1:$NGHTTPD_PORT/index.html"
