#!/usr/bin/env bash
# bench/ingest: vigil vs one ffmpeg per camera, pulling N simulated cameras.
# Builds the release binary, then runs bench/ingest/ingest.py in a private
# network namespace (loopback only, as the tests do). Extra arguments go to
# ingest.py (--counts 1,10,50 --seconds 20).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
make build >/dev/null
out="bench/results/ingest-$(date -u +%Y-%m-%d).md"
netns=(unshare -n)
unshare -n true 2>/dev/null || netns=(unshare -rn)
"${netns[@]}" sh -c 'ip link set lo up && exec "$@"' sh \
    /usr/bin/python3 bench/ingest/ingest.py --out "$out" "$@"
echo "written: $out"
