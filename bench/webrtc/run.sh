#!/usr/bin/env bash
# bench/webrtc: how many WebRTC (WHEP) viewers of one 720p ~3 Mbit/s stream one core of
# vigil serves: SRTP encryption and sending, vigil pinned to one CPU and the load client
# (bench/webrtc/whep_load, built from vigil's webrtc/ modules) to the other.
# For each viewer count: vigil's CPU, delivered vs expected Mbit/s, loss (RTP sequence
# gaps), connect time; perf record -g of vigil at 200 viewers; then the same for Janus
# (Debian's janus: streaming plugin fed by ffmpeg; skipped when not installed).
# Builds vigil and whep_load (release preset, or --build-dir DIR: an existing CMake build
# directory), copies both binaries aside (others may rebuild build/ meanwhile), then runs
# bench/webrtc/webrtc.py in a private network namespace (loopback only, as the tests do).
# Options (passed to webrtc.py): --counts 50,100,200,300,500 --seconds 20 --ramp-ms 20
#   --verify auto|1|0 --profile-count 200 --profile-seconds 10 --vigil-cpu 1 --client-cpu 0
#   --peer janus|none --audio none|opus|pcmu|pcma
# Writes bench/results/webrtc-<date>.md (or --out FILE).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

cmdline="bench/webrtc/run.sh $*"
build_dir=""
args=()
while [ $# -gt 0 ]; do
    case "$1" in
    --build-dir)
        build_dir=$2
        shift 2
        ;;
    *)
        args+=("$1")
        shift
        ;;
    esac
done
if [ -z "$build_dir" ]; then
    cmake --preset release >/dev/null
    cmake --build --preset release -j "$(nproc)" --target vigil whep_load >/dev/null
    build_dir=build/release
fi
cmake --build "$build_dir" -j "$(nproc)" --target vigil whep_load >/dev/null
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build_dir/CMakeCache.txt")

bin=$(mktemp -d "${TMPDIR:-/tmp}/bench-webrtc-bin.XXXXXX")
trap 'rm -rf "$bin"' EXIT
cp -p "$build_dir/vigil" "$build_dir/whep_load" "$bin/"

out="bench/results/webrtc-$(date -u +%Y-%m-%d).md"
for a in "${args[@]}"; do [ "$a" = --out ] && out=""; done
netns=(unshare -n)
unshare -n true 2>/dev/null || netns=(unshare -rn)
"${netns[@]}" sh -c 'ip link set lo up && exec "$@"' sh \
    /usr/bin/python3 bench/webrtc/webrtc.py --bin-dir "$bin" \
    --build "$build_dir, CMAKE_BUILD_TYPE=${build_type:-?}" ${out:+--out "$out"} \
    --cmdline "$cmdline" "${args[@]}"
[ -z "$out" ] || echo "written: $out"
