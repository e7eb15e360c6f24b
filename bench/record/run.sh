#!/usr/bin/env bash
# bench/record: vigil's 24/7 recording (issue 7) side by side with ffmpeg:
#   1. N recorded cameras: vigil's CPU and write amplification (file bytes and
#      /proc/PID/io write_bytes ÷ bytes received) vs one `ffmpeg -c copy -f
#      segment` (fragmented mp4) per camera, and vs plain mp4 segments;
#   2. retention over a million index rows: the run's time and /health
#      response times (loop stalls) meanwhile.
# Builds the release binary, then runs bench/record/record.py in a private
# network namespace (loopback only, as the tests do). Options (all passed to
# record.py): --cameras N (50) --seconds S (30) --warmup S (10) --no-plain
#   --rows N (1000000) --retention-cameras N (20) --expire-fraction F (1.0)
#   --real-files N (10000) --retention-runs N (3) --health-interval S (0.002)
#   --parts 1,2  --profile auto|always|never  --workdir DIR (a real disk)
# Writes bench/results/record-<date>.md (or --out FILE).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
make build >/dev/null

out="bench/results/record-$(date -u +%Y-%m-%d).md"
args=("$@")
for a in "$@"; do [ "$a" = --out ] && out=""; done
netns=(unshare -n)
unshare -n true 2>/dev/null || netns=(unshare -rn)
"${netns[@]}" sh -c 'ip link set lo up && exec "$@"' sh \
    /usr/bin/python3 bench/record/record.py ${out:+--out "$out"} --cmdline "bench/record/run.sh $*" "${args[@]}"
[ -z "$out" ] || echo "written: $out"
