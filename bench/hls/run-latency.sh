#!/usr/bin/env bash
# Glass-to-player latency of live HLS in Chromium (LL and plain) and the time
# to the first playlist, against the simulated camera. Release build; inside
# a private network namespace (loopback only), like the tests.
# Usage: bench/hls/run-latency.sh [--runs N] [--seconds S]
set -euo pipefail
cd "$(dirname "$0")/../.."
make build >/dev/null
scripts/install-node-deps.sh >/dev/null
if [ "$(id -u)" -eq 0 ]; then ns=(unshare -n); else ns=(unshare -rn); fi
exec "${ns[@]}" sh -c 'ip link set lo up && exec /usr/bin/python3 bench/hls/latency.py "$@"' latency "$@"
