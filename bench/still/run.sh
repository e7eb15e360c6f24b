#!/usr/bin/env bash
# bench/still: vigil's snapshots and live JPEG (issue 6), side by side with ffmpeg:
#   1. snapshot latency p50/p95 for a 1080p25 camera: cold at a new key frame,
#      cold mid-GOP, warm (cached), against one `ffmpeg -rtsp_transport tcp
#      -i URL -frames:v 1 out.jpg` per request (seed 001's way);
#   2. CPU of one shared 720p 15 fps JPEG encoder, of each extra viewer
#      (MJPEG and WebSocket) and of each extra encoder.
# Builds the release binary, then runs bench/still/still.py in a private
# network namespace (loopback only, as the tests do). Options (all passed to
# still.py): --key-samples N (40) --mid-samples N (40) --ffmpeg-runs N (10)
#   --cpu-seconds S (20) --viewers N (10) --parts 1,2
#   --profile auto|always|never (perf record vigil when a target is missed)
# Writes bench/results/still-<date>.md (or --out FILE).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
make build >/dev/null

out="bench/results/still-$(date -u +%Y-%m-%d).md"
args=("$@")
for a in "$@"; do [ "$a" = --out ] && out=""; done
netns=(unshare -n)
unshare -n true 2>/dev/null || netns=(unshare -rn)
"${netns[@]}" sh -c 'ip link set lo up && exec "$@"' sh \
    /usr/bin/python3 bench/still/still.py ${out:+--out "$out"} --cmdline "bench/still/run.sh $*" "${args[@]}"
[ -z "$out" ] || echo "written: $out"
