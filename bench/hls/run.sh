#!/usr/bin/env bash
# bench/hls: vigil's live HLS against its peers, side by side in one run:
#   1. CPU per camera, N cameras with a live HLS muxer and one reader each:
#      vigil vs one `ffmpeg -f hls` per camera vs nginx + libnginx-mod-rtmp;
#   2. fan-out of one part and one segment with wrk: vigil vs nginx serving
#      the same bytes from disk (worker_processes 1 and auto);
#   3. 500 clients doing LL-HLS blocking reloads on one path for 60 s, with
#      /health sampled every 100 ms.
# Builds the release binary, then runs bench/hls/hls.py in a private network
# namespace (loopback only, as the tests do). Options (all passed to hls.py):
#   --cameras N (20)  --seconds S (30, part 1's window)  --warmup S (10)
#   --clients N (500) --clients-seconds S (60)  --wrk-seconds S (15)
#   --parts 1,2,3     --profile auto|always|never (perf record vigil when a target is missed)
# Writes bench/results/hls-<date>.md (or --out FILE).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
make build >/dev/null

# 500 clients, their sessions and vigil's connections: make sure the soft
# open-file limit (inherited by vigil and the load generator) is at least 4096.
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 4096 ]; then
    ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    echo "bench/hls: raised the open-file limit to $(ulimit -n)"
fi

out="bench/results/hls-$(date -u +%Y-%m-%d).md"
args=("$@")
for a in "$@"; do [ "$a" = --out ] && out=""; done
netns=(unshare -n)
unshare -n true 2>/dev/null || netns=(unshare -rn)
"${netns[@]}" sh -c 'ip link set lo up && exec "$@"' sh \
    /usr/bin/python3 bench/hls/hls.py ${out:+--out "$out"} --cmdline "bench/hls/run.sh $*" "${args[@]}"
[ -z "$out" ] || echo "written: $out"
