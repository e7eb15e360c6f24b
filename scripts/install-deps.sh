#!/usr/bin/env bash
# Installs the Debian 12 packages vigil needs to build, run and test.
# Usage: install-deps.sh [fuzz]
# Idempotent: installs only what is missing, runs `apt-get update` only then,
# and uses sudo when not root. Nothing is fetched from outside Debian's archive.
set -euo pipefail

packages=(
    # build
    build-essential cmake pkg-config clang-format
    # libraries, one seam each (DESIGN.md section 4)
    libuv1-dev libmicrohttpd-dev libjansson-dev libyaml-dev libsqlite3-dev
    libavformat-dev libavcodec-dev libavfilter-dev libavutil-dev libswscale-dev libssl-dev
    libturbojpeg0-dev
    # WebRTC: SRTP (webrtc/srtp.c; DTLS is OpenSSL's libssl), STUN's CRC-32 (zlib)
    libsrtp2-dev zlib1g-dev
    # webhooks (record/notify.c, the one libcurl seam)
    libcurl4-openssl-dev
    # the demo camera draws its name with this font (source/demo.c)
    fonts-dejavu-core
    # integration tests run under Debian's Python (TESTING.md)
    python3 python3-pytest python3-requests
    # the simulated camera: FFmpeg makes the clip, GStreamer's RTSP server serves it
    ffmpeg python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-rtsp-server-1.0
    gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
    # RTSPS cameras in the simulator: a self-signed certificate and GIO's TLS backend
    openssl glib-networking
    # an RTMP server for the RTMP pull test (the tests run their own nginx, in the foreground)
    nginx libnginx-mod-rtmp
    # tests inspect the database independently of vigil
    sqlite3
    # used by the tests' clients; iproute2 brings up loopback in the tests' network namespace
    curl iproute2 python3-websocket
    # the browser tests: Debian's Chromium plays vigil's HLS with hls.js, driven by
    # playwright-core (npm, scripts/install-node-deps.sh). Its Recommends are not
    # needed headless (fonts-dejavu-core above is the one font it needs).
    chromium
    # the console's browser test in Firefox: Debian's Firefox ESR, driven by the same
    # playwright-core over WebDriver BiDi (tests/browser/README.md, "Firefox")
    firefox-esr
    # the HTTP fan-out benchmark
    wrk
)

# Node.js for the browser tests: Debian's (18, npm 9) only when there is none on
# PATH; a Node from elsewhere (nodesource) brings its own npm, and Debian's
# nodejs/npm would conflict with it.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

# `install-deps.sh fuzz` adds what `make fuzz` needs: clang with libFuzzer.
if [ "${1:-}" = fuzz ]; then
    packages+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi

echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
