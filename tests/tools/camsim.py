#!/usr/bin/python3
"""camsim: simulated IP cameras (RTSP) for vigil's tests, at almost no CPU.

One process serves any number of cameras on one RTSP port of 127.0.0.1, each
on its own mount (rtsp://127.0.0.1:PORT/cam1, /cam2, ...), through
GStreamer's RTSP server (python3-gi, gir1.2-gst-rtsp-server-1.0). Nothing is
encoded live: a 10 s clip (testsrc2, 1280x720 or a camera's size=WxH, 25
fps, a key frame every second, no B-frames, about 3 Mbit/s) is made once
with the ffmpeg CLI into a cache directory, demuxed once into memory, and its
access units are pushed in a loop into `appsrc ! rtph264pay` of a shared
media factory, paced by the monotonic clock. H.265 video, AAC audio (a sine
tone in the clip), PCMU / PCMA (G.711 mu-law / A-law) and Opus (sine tones
made by GStreamer at start) are available per camera. With --tls the whole
server speaks RTSPS (RTSP over TLS, rtsps://...) with a self-signed
certificate made once with the openssl CLI into the cache directory.

A clock camera (clock=1) is the exception: live-encoded (videotestsrc
is-live=true ! x264enc tune=zerolatency, 30 fps or fps=N), each frame carrying
the wall-clock time it was produced at as a time code in the picture (see
"The time code" below; decode_timecode / read_timecodes read it back), for
measuring glass-to-glass latency. It costs an encoder while somebody reads it
(about 7% of a core at 720p30), nothing otherwise.

Run by hand (see tests/tools/README.md):

    /usr/bin/python3 tests/tools/camsim.py --cache /tmp/camsim-cache \
        --camera cam1 --camera cam2:codec=h265,audio=aac,user=admin,password=secret \
        --camera cam3:audio=opus --camera big:size=1920x1080 [--tls] \
        --camera live:clock=1[,fps=30,size=1280x720]

It prints one JSON line when ready ({"event": "ready", "port": ..., "urls":
{...}}), then reads one command a line on stdin and answers each with one
JSON line on stdout:

    stop NAME | start NAME | pause NAME | resume NAME | stats NAME
    clients NAME | sessions NAME | list | add SPEC | remove NAME | ping | quit

It exits on `quit`, on SIGTERM/SIGINT and when stdin reaches EOF (so it never
outlives the process that drives it through a pipe).

From Python (any interpreter; the simulator itself runs under
/usr/bin/python3), `CameraSimulator` starts it, waits for it and stops it by
pid:

    with CameraSimulator(cameras=2, cache_dir=tmp) as sim:
        url = sim.url("cam1")
        sim.stop_camera("cam1"); sim.start_camera("cam1")
        sim.clients("cam1"), sim.sessions("cam1")

This module imports only the standard library at the top; GStreamer is
imported inside the server code, so the class can be used anywhere.
"""
import argparse
import collections
import json
import math
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

DEFAULT_PYTHON = "/usr/bin/python3"
GRID_S = 0.04          # feeds start on a shared 40 ms grid (one wake-up a frame)
FFMPEG = "ffmpeg"
CLIP_SECONDS = 10
CLIP_TIMEOUT_S = 180.0
START_TIMEOUT_S = 30.0
COMMAND_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0
OPENSSL = "openssl"
CERT_TIMEOUT_S = 60.0
TLS_PEM = "camsim-tls.pem"            # certificate and private key (for the server)
TLS_CERT = "camsim-tls-cert.pem"      # the certificate alone (for a verifying client)

CODECS = ("h264", "h265")
AUDIOS = ("none", "aac", "pcmu", "pcma", "opus")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
SPEC_KEYS = ("codec", "audio", "user", "password", "size", "clock", "fps")
DEFAULT_SIZE = "1280x720"
SIZE_RE = re.compile(r"^([1-9][0-9]{1,4})x([1-9][0-9]{1,4})$")
CLOCK_FPS = 30          # a clock camera's default frame rate (fps=N changes it)
CLOCK_BITRATE_KBPS = 3000


# --------------------------------------------------------------------------
# Clips (ffmpeg CLI only; usable without GStreamer)
# --------------------------------------------------------------------------

def default_cache_dir():
    return os.environ.get("CAMSIM_CACHE_DIR") or os.path.join(
        tempfile.gettempdir(), f"camsim-cache-{os.getuid()}")


def clip_path(cache_dir, codec="h264", audio="none", size=DEFAULT_SIZE):
    """The cached clip for a video codec and picture size, with AAC audio in it if
    audio == "aac". PCMU, PCMA and Opus are not in the clip (made by GStreamer at
    start), so they use the plain one. The default size keeps its historical name
    (testsrc2-720p25-...); another is named by its size (testsrc2-1920x1080p25-...)."""
    suffix = "-aac" if audio == "aac" else ""
    tag = "720p25" if size == DEFAULT_SIZE else f"{size}p25"
    return Path(cache_dir) / f"testsrc2-{tag}-{codec}{suffix}.mp4"


def clip_command(out, codec="h264", audio="none", seconds=CLIP_SECONDS, size=DEFAULT_SIZE):
    cmd = [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
           "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}"]
    if audio == "aac":
        cmd += ["-f", "lavfi", "-i", f"sine=frequency=1000:sample_rate=48000:duration={seconds}"]
    cmd += ["-map", "0:v"]
    if audio == "aac":
        cmd += ["-map", "1:a"]
    gop = ["-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-bf", "0"]
    rate = ["-b:v", "3M", "-maxrate", "3M", "-bufsize", "6M"]
    if codec == "h264":
        cmd += ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high"] + gop + rate
    elif codec == "h265":
        cmd += ["-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1"] + gop + rate + [
            "-x265-params", "keyint=25:min-keyint=25:scenecut=0:bframes=0:log-level=error"]
    else:
        raise ValueError(f"unknown codec {codec!r}")
    cmd += ["-pix_fmt", "yuv420p"]
    if audio == "aac":
        cmd += ["-c:a", "aac", "-b:a", "64k", "-ac", "1"]
    cmd += ["-t", str(seconds), "-movflags", "+faststart", "-f", "mp4", str(out)]
    return cmd


def ensure_clip(cache_dir, codec="h264", audio="none", timeout=CLIP_TIMEOUT_S,
                size=DEFAULT_SIZE):
    """Makes the clip once (reused when present); returns its path.
    Written under a temporary name and renamed, so concurrent makers are safe."""
    path = clip_path(cache_dir, codec, audio, size)
    if path.exists() and path.stat().st_size > 0:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    if shutil.which(FFMPEG) is None:
        raise RuntimeError("camsim: the ffmpeg CLI is not installed")
    fd, tmp = tempfile.mkstemp(prefix=path.stem + ".", suffix=".part.mp4", dir=str(path.parent))
    os.close(fd)
    try:
        proc = subprocess.run(clip_command(tmp, codec, audio, size=size), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0 or os.path.getsize(tmp) == 0:
            raise RuntimeError(f"camsim: ffmpeg failed making {path.name} "
                               f"(exit {proc.returncode}):\n{proc.stderr[-4000:]}")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


# --------------------------------------------------------------------------
# The TLS certificate (openssl CLI only; usable without GStreamer)
# --------------------------------------------------------------------------

def tls_paths(cache_dir):
    """(PEM with the certificate and its key, PEM with the certificate alone)."""
    return Path(cache_dir) / TLS_PEM, Path(cache_dir) / TLS_CERT


def ensure_tls_certificate(cache_dir, timeout=CERT_TIMEOUT_S):
    """A self-signed certificate (EC P-256, CN=camsim, subjectAltName 127.0.0.1,
    ::1 and localhost, 10 years) made once with the openssl CLI into cache_dir and
    reused when present; returns tls_paths(cache_dir). Key and certificate are
    written into one file, renamed into place, so concurrent makers never pair a
    certificate with another maker's key; the certificate-only file is cut from
    that one."""
    pem, cert = tls_paths(cache_dir)
    pem.parent.mkdir(parents=True, exist_ok=True)
    if not (pem.exists() and pem.stat().st_size > 0):
        if shutil.which(OPENSSL) is None:
            raise RuntimeError("camsim: the openssl CLI is not installed (needed for --tls)")
        tmpdir = tempfile.mkdtemp(prefix="camsim-tls.", dir=str(pem.parent))
        try:
            key_tmp = os.path.join(tmpdir, "key.pem")
            cert_tmp = os.path.join(tmpdir, "cert.pem")
            proc = subprocess.run(
                [OPENSSL, "req", "-x509", "-nodes", "-newkey", "ec",
                 "-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", key_tmp,
                 "-out", cert_tmp, "-days", "3650", "-subj", "/CN=camsim",
                 "-addext", "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost"],
                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
            if proc.returncode != 0:
                raise RuntimeError(f"camsim: openssl failed making the TLS certificate "
                                   f"(exit {proc.returncode}):\n{proc.stderr[-4000:]}")
            both = os.path.join(tmpdir, "both.pem")
            fd = os.open(both, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(Path(cert_tmp).read_text() + Path(key_tmp).read_text())
            os.replace(both, pem)
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)
    if not (cert.exists() and cert.stat().st_size > 0):
        text = pem.read_text()
        begin = text.find("-----BEGIN CERTIFICATE-----")
        end_marker = "-----END CERTIFICATE-----"
        end = text.find(end_marker, begin)
        if begin < 0 or end < 0:
            raise RuntimeError(f"camsim: {pem} holds no certificate")
        fd, tmp = tempfile.mkstemp(prefix="camsim-tls-cert.", suffix=".part",
                                   dir=str(cert.parent))
        with os.fdopen(fd, "w") as out:
            out.write(text[begin:end + len(end_marker)] + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, cert)
    return pem, cert


# --------------------------------------------------------------------------
# The time code of a clock camera (standard library only)
# --------------------------------------------------------------------------
#
# A clock camera (clock=1) writes the wall-clock time at which each frame is
# produced (epoch milliseconds) into the picture's top-left corner, as a strip
# of TIMECODE_ROWS x TIMECODE_COLS square luma blocks:
#
#   bit k (0..63) is the block at row k // 32, column k % 32, MSB first:
#   bits  0..7   the start pattern 0xB2 (1 0 1 1 0 0 1 0)
#   bits  8..55  the time, 48 bits of epoch ms
#   bits 56..63  CRC-8 (polynomial 0x07, init 0, no reflection) of the 6 time bytes
#   1 = white (Y 235), 0 = black (Y 16); chroma under the strip is 128 (gray).
#
# The block size is a fixed fraction of the picture's width, B = width * 3 / 160
# px (24 px at 1280x720: a 768x48 strip at (0, 0); 36 at 1920), block c
# spanning pixels round(c * B) .. round((c + 1) * B) - 1 (rows likewise), so the
# code survives scaling: a decoder computes B from the width it has. It reads
# the mean luma of the central half of each block (from (c + 1/4) B to
# (c + 3/4) B), takes the midpoint between the start pattern's white and black
# blocks as threshold, and accepts the code only if the start pattern and the
# CRC match. tests/browser/timecode.mjs is the same decoder for the browser.

TIMECODE_COLS = 32
TIMECODE_ROWS = 2
TIMECODE_BITS = TIMECODE_COLS * TIMECODE_ROWS      # 64
TIMECODE_START = 0xB2
TIMECODE_WIDTH_FRACTION = 3 / 160   # block size / picture width (24 px at 1280)
TIMECODE_MIN_BLOCK = 4.0            # px: a picture at least 214 px wide
TIMECODE_Y = (16, 235)      # luma of a 0 bit, of a 1 bit
TIMECODE_MIN_CONTRAST = 48  # white minus black (luma) below this: not a time code


def timecode_block(width):
    """The block size (px, a float) of the time code in a picture `width` px wide."""
    return width * TIMECODE_WIDTH_FRACTION


def timecode_edges(width):
    """Pixel edges of the blocks: (x edges, 33 of them; y edges, 3 of them)."""
    b = timecode_block(width)
    return ([round(c * b) for c in range(TIMECODE_COLS + 1)],
            [round(r * b) for r in range(TIMECODE_ROWS + 1)])


def crc8(data):
    """CRC-8, polynomial 0x07 (x^8 + x^2 + x + 1), init 0, no reflection."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def timecode_bits(ms):
    """The 64 bits (0/1, in block order) that carry epoch milliseconds `ms`."""
    ms &= (1 << 48) - 1
    payload = ms.to_bytes(6, "big")
    word = (TIMECODE_START << 56) | (ms << 8) | crc8(payload)
    return [(word >> (TIMECODE_BITS - 1 - k)) & 1 for k in range(TIMECODE_BITS)]


def decode_timecode(gray, width, height, stride=None):
    """Epoch ms read from the time code of one 8-bit luma picture (`gray`: bytes,
    row after row, `stride` bytes apart, default width), or None if there is no
    valid code (start pattern or CRC wrong, too little contrast)."""
    stride = stride or width
    b = timecode_block(width)
    if b < TIMECODE_MIN_BLOCK or TIMECODE_ROWS * b > height or \
            len(gray) < stride * (height - 1) + width:
        return None
    means = []
    for k in range(TIMECODE_BITS):
        r, c = divmod(k, TIMECODE_COLS)
        x0, x1 = round((c + 0.25) * b), round((c + 0.75) * b)
        y0, y1 = round((r + 0.25) * b), round((r + 0.75) * b)
        total = 0
        for y in range(y0, y1):
            total += sum(gray[y * stride + x0:y * stride + x1])
        means.append(total / ((x1 - x0) * (y1 - y0)))
    start = [(TIMECODE_START >> (7 - i)) & 1 for i in range(8)]
    ones = [m for m, bit in zip(means, start) if bit]
    zeros = [m for m, bit in zip(means, start) if not bit]
    if min(ones) - max(zeros) < TIMECODE_MIN_CONTRAST:
        return None
    threshold = (sum(ones) / len(ones) + sum(zeros) / len(zeros)) / 2
    word = 0
    for m in means:
        word = (word << 1) | (1 if m > threshold else 0)
    if word >> 56 != TIMECODE_START:
        return None
    ms = (word >> 8) & ((1 << 48) - 1)
    if crc8(ms.to_bytes(6, "big")) != word & 0xFF:
        return None
    return ms


# ffmpeg's own buffering, off: frame-threaded decoding and raw-video "encoding"
# hold one frame per thread (about 5 frames, 170 ms at 30 fps, on 2 cores); with
# these about 2 frames remain (its H.264 parser closes a frame when the next begins).
FFMPEG_LOW_DELAY_IN = ("-threads", "1", "-flags", "low_delay", "-fflags", "nobuffer")
FFMPEG_LOW_DELAY_OUT = ("-threads", "1", "-fps_mode", "passthrough")


def read_timecodes(url, width=1280, height=720, frames=30, timeout=20.0, ffmpeg=FFMPEG,
                   low_delay=True, extra_input_args=()):
    """Reads `frames` frames of a clock camera with the ffmpeg CLI (RTSP over TCP,
    8-bit gray raw video on a pipe) and decodes their time codes. Returns one dict a
    frame: {"arrival_ms": wall clock when the whole frame was read (float),
    "capture_ms": the time code (None if it did not decode), "latency_ms":
    arrival - capture (None likewise)}. low_delay=False reads as plain
    `ffmpeg -i URL -f rawvideo -pix_fmt gray -` does, with ffmpeg's frame
    threading (a few frames more latency). The first frames come late (ffmpeg
    probes the stream first). Bounded by `timeout` seconds; ffmpeg is stopped by
    its pid. Raises RuntimeError if ffmpeg gives no frame at all."""
    size = width * height
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error"]
    if url.startswith(("rtsp://", "rtsps://")):
        cmd += ["-rtsp_transport", "tcp", "-timeout", "5000000"]
    if low_delay:
        cmd += FFMPEG_LOW_DELAY_IN
    cmd += [*extra_input_args, "-i", url, "-frames:v", str(frames), "-an"]
    if low_delay:
        cmd += FFMPEG_LOW_DELAY_OUT
    cmd += ["-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{width}x{height}",
            "-flush_packets", "1", "-"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    err = []
    t = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)
    t.start()
    out = []
    deadline = time.monotonic() + timeout
    timer = threading.Timer(timeout, lambda: proc.poll() is None and proc.kill())
    timer.start()
    try:
        buf = bytearray()
        while len(out) < frames and time.monotonic() < deadline:
            chunk = proc.stdout.read1(size - len(buf)) if hasattr(proc.stdout, "read1") \
                else proc.stdout.read(size - len(buf))
            if not chunk:
                break
            buf += chunk
            if len(buf) == size:
                arrival = time.time() * 1000.0
                ms = decode_timecode(buf, width, height)
                out.append({"arrival_ms": arrival, "capture_ms": ms,
                            "latency_ms": None if ms is None else arrival - ms})
                buf = bytearray()
    finally:
        timer.cancel()
        try:
            proc.wait(2)    # it ends by itself after -frames:v (with a TEARDOWN)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        proc.stdout.close()
        t.join(2)
        proc.stderr.close()
    if not out:
        raise RuntimeError(f"ffmpeg read no frame from {url} (exit {proc.returncode}): "
                           f"{(err[0] if err else b'').decode('utf-8', 'replace')[-2000:]}")
    return out


# --------------------------------------------------------------------------
# Camera specs: "NAME[:key=value,key=value]"
# --------------------------------------------------------------------------

def normalize_camera(spec):
    """A spec string ("cam2:codec=h265,audio=aac,user=u,password=p,size=1920x1080",
    "live:clock=1,fps=25") or a dict with the same keys -> a complete dict (clock a
    bool; fps an int for a clock camera, else None). Raises ValueError on a
    mistake."""
    if isinstance(spec, str):
        name, _, rest = spec.partition(":")
        d = {"name": name}
        for item in filter(None, rest.split(",")):
            key, eq, value = item.partition("=")
            if not eq:
                raise ValueError(f"camera spec {spec!r}: {item!r} is not key=value")
            d[key.strip()] = value
    elif isinstance(spec, dict):
        d = dict(spec)
    else:
        raise ValueError(f"camera spec must be a string or a dict, not {spec!r}")
    unknown = set(d) - {"name", *SPEC_KEYS}
    if unknown:
        raise ValueError(f"camera spec {spec!r}: unknown keys {sorted(unknown)}")
    name = d.get("name") or ""
    if not NAME_RE.match(name):
        raise ValueError(f"camera name {name!r}: use letters, digits, '_', '.', '-'")
    cam = {
        "name": name,
        "codec": (d.get("codec") or "h264").lower(),
        "audio": (d.get("audio") or "none").lower(),
        "user": d.get("user") or None,
        "password": d.get("password") if d.get("password") is not None else None,
        "size": (d.get("size") or DEFAULT_SIZE).lower(),
        "clock": _flag(d.get("clock"), name),
        "fps": None,
    }
    if d.get("fps") not in (None, ""):
        if not cam["clock"]:
            raise ValueError(f"camera {name}: fps is for a clock camera (clock=1) only")
        try:
            cam["fps"] = int(d["fps"])
        except (TypeError, ValueError):
            cam["fps"] = 0
        if not 1 <= cam["fps"] <= 60:
            raise ValueError(f"camera {name}: fps must be an integer from 1 to 60")
    elif cam["clock"]:
        cam["fps"] = CLOCK_FPS
    if cam["codec"] not in CODECS:
        raise ValueError(f"camera {name}: codec must be one of {CODECS}")
    if cam["audio"] not in AUDIOS:
        raise ValueError(f"camera {name}: audio must be one of {AUDIOS}")
    if (cam["user"] is None) != (cam["password"] is None):
        raise ValueError(f"camera {name}: give both user and password, or neither")
    m = SIZE_RE.match(cam["size"])
    if not m or int(m.group(1)) % 2 or int(m.group(2)) % 2 or \
            not (16 <= int(m.group(1)) <= 7680 and 16 <= int(m.group(2)) <= 4320):
        raise ValueError(f"camera {name}: size must be WxH, even, from 16x16 to 7680x4320")
    if cam["clock"] and timecode_block(int(m.group(1))) < TIMECODE_MIN_BLOCK:
        raise ValueError(f"camera {name}: a clock camera needs a width of at least "
                         f"{math.ceil(TIMECODE_MIN_BLOCK / TIMECODE_WIDTH_FRACTION)} px")
    for key in ("user", "password"):
        if cam[key] is not None and any(c in cam[key] for c in ",: \t\r\n"):
            raise ValueError(f"camera {name}: {key} may not contain ',', ':' or spaces")
    return cam


def _flag(value, name):
    if value in (None, "", False, 0, "0") or str(value).lower() in ("false", "no", "off"):
        return False
    if value in (True, 1, "1") or str(value).lower() in ("true", "yes", "on"):
        return True
    raise ValueError(f"camera {name}: clock must be 1 or 0, not {value!r}")


def format_camera(cam):
    cam = normalize_camera(cam)
    opts = [f"codec={cam['codec']}", f"audio={cam['audio']}"]
    if cam["user"] is not None:
        opts += [f"user={cam['user']}", f"password={cam['password']}"]
    if cam["size"] != DEFAULT_SIZE:
        opts.append(f"size={cam['size']}")
    if cam["clock"]:
        opts += ["clock=1", f"fps={cam['fps']}"]
    return cam["name"] + ":" + ",".join(opts)


def clips_for(cam):
    """The clips a camera needs, as (codec, audio, size) for ensure_clip: its video
    (with AAC in it for audio=aac); a clock camera encodes its video live and needs
    a clip only for AAC (taken from the default H.264 one)."""
    if cam["clock"]:
        return [("h264", "aac", DEFAULT_SIZE)] if cam["audio"] == "aac" else []
    return [(cam["codec"], "aac" if cam["audio"] == "aac" else "none", cam["size"])]


# --------------------------------------------------------------------------
# The server (runs under /usr/bin/python3 with python3-gi)
# --------------------------------------------------------------------------

def _emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def log(msg):
    sys.stderr.write(f"camsim[{os.getpid()}] {msg}\n")
    sys.stderr.flush()


def set_auth_methods(auth, methods, GstRtsp):
    """RTSPAuth.set_supported_methods takes flags (BASIC | DIGEST) but the typelib
    declares an enum, so PyGObject refuses 3: call the C function for "both"."""
    if methods in (int(GstRtsp.RTSPAuthMethod.BASIC), int(GstRtsp.RTSPAuthMethod.DIGEST)):
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod(methods))
        return
    import ctypes
    lib = ctypes.CDLL("libgstrtspserver-1.0.so.0")
    get_ptr = ctypes.pythonapi.PyCapsule_GetPointer
    get_ptr.restype = ctypes.c_void_p
    get_ptr.argtypes = [ctypes.py_object, ctypes.c_char_p]
    fn = lib.gst_rtsp_auth_set_supported_methods
    fn.restype = None
    fn.argtypes = [ctypes.c_void_p, ctypes.c_int]
    fn(get_ptr(auth.__gpointer__, None), methods)


def run_server(args):
    import gi
    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtsp", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtsp, GstRtspServer

    Gst.init(None)
    SECOND = Gst.SECOND

    class Track:
        """One elementary stream held in memory, looping every loop_ns: per access
        unit (data, offset in the loop in ns, key frame?)."""

        def __init__(self, kind, caps, aus, loop_ns, pay):
            self.kind = kind          # "video" / "audio"
            self.caps = caps
            self.aus = aus
            self.loop_ns = loop_ns
            self.pay = pay            # the payloader part of the launch line

    def pull_all(sink, what, limit=100000):
        out = []
        caps = None
        for _ in range(limit):
            sample = sink.emit("try-pull-sample", 10 * SECOND)
            if sample is None:
                if sink.get_property("eos"):
                    break
                raise RuntimeError(f"camsim: demuxing {what} stalled")
            if caps is None:
                caps = sample.get_caps()
            buf = sample.get_buffer()
            ok, info = buf.map(Gst.MapFlags.READ)
            if not ok:
                raise RuntimeError(f"camsim: cannot map a buffer of {what}")
            try:
                data = bytes(info.data)
            finally:
                buf.unmap(info)
            pts = buf.pts if buf.pts != Gst.CLOCK_TIME_NONE else None
            key = not buf.has_flags(Gst.BufferFlags.DELTA_UNIT)
            out.append((data, pts, key))
        if not out:
            raise RuntimeError(f"camsim: no {what} in the clip")
        return caps, out

    def run_pipeline_to_sinks(desc, sink_names, what):
        pipe = Gst.parse_launch(desc)
        sinks = [pipe.get_by_name(n) for n in sink_names]
        if pipe.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            raise RuntimeError(f"camsim: cannot start the pipeline for {what}: {desc}")
        try:
            results = [pull_all(s, f"{what}/{n}") for s, n in zip(sinks, sink_names)]
            bus = pipe.get_bus()
            msg = bus.pop_filtered(Gst.MessageType.ERROR)
            if msg is not None:
                err, dbg = msg.parse_error()
                raise RuntimeError(f"camsim: {what}: {err.message} ({dbg})")
        finally:
            pipe.set_state(Gst.State.NULL)
        return results

    def timeline(aus, frame_ns, origin, loop_ns=None):
        """(data, pts, key) -> (data, offset, key) with offsets from origin,
        regular (frame_ns apart) when the demuxer gave no timestamps; AUs past
        loop_ns are dropped. Returns (aus, loop_ns)."""
        out = []
        for i, (data, pts, key) in enumerate(aus):
            off = pts - origin if pts is not None else i * frame_ns
            out.append((data, max(0, off), key))
        if loop_ns is None:
            loop_ns = out[-1][1] + frame_ns
        out = [au for au in out if au[1] < loop_ns]
        return out, loop_ns

    def first_pts(aus):
        return next((pts for _, pts, _ in aus if pts is not None), 0)

    def demux_clip(path, codec, with_aac):
        parse = "h264parse" if codec == "h264" else "h265parse"
        caps = ("video/x-h264" if codec == "h264" else "video/x-h265") + \
            ",stream-format=byte-stream,alignment=au"
        desc = (f'filesrc location="{path}" ! qtdemux name=d '
                f'd.video_0 ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=0 ! '
                f'{parse} config-interval=-1 ! {caps} ! appsink name=v sync=false')
        names = ["v"]
        if with_aac:
            desc += (' d.audio_0 ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=0 ! '
                     'aacparse ! audio/mpeg,mpegversion=4,stream-format=raw ! '
                     'appsink name=a sync=false')
            names.append("a")
        results = run_pipeline_to_sinks(desc, names, os.path.basename(str(path)))
        origin = min(first_pts(aus) for _, aus in results)
        vcaps, vaus = results[0]
        fps = vcaps.get_structure(0).get_fraction("framerate")
        frame_ns = SECOND * fps[2] // fps[1] if fps[0] and fps[1] else SECOND // 25
        # one loop length for the clip (the video's), so audio never drifts
        vaus, loop_ns = timeline(vaus, frame_ns, origin)
        pay = ("rtph264pay config-interval=1 pt=96" if codec == "h264"
               else "rtph265pay config-interval=1 pt=96")
        tracks = [Track("video", vcaps, vaus, loop_ns, pay)]
        if with_aac:
            acaps, aaus = results[1]
            rate = acaps.get_structure(0).get_int("rate")
            aaus, _ = timeline(aaus, 1024 * SECOND // (rate[1] if rate[0] else 48000),
                               origin, loop_ns)
            tracks.append(Track("audio", acaps, aaus, loop_ns, "rtpmp4gpay pt=97"))
        return tracks

    def make_g711(kind):
        # 1 s of a 1 kHz tone at 8 kHz (8 samples a period: it loops seamlessly),
        # in 20 ms buffers of 160 bytes, as RTP/AVP payload type 0 (PCMU) or 8
        # (PCMA) carries it.
        enc, pay = {"pcmu": ("mulawenc", "rtppcmupay pt=0"),
                    "pcma": ("alawenc", "rtppcmapay pt=8")}[kind]
        desc = ("audiotestsrc wave=sine freq=1000 volume=0.3 samplesperbuffer=160 "
                "num-buffers=50 ! audio/x-raw,format=S16LE,rate=8000,channels=1 ! "
                f"{enc} ! appsink name=a sync=false")
        caps, aus = run_pipeline_to_sinks(desc, ["a"], kind)[0]
        aus = [(data, None, key) for data, _, key in aus]
        aus, loop_ns = timeline(aus, SECOND // 50, 0)
        return Track("audio", caps, aus, loop_ns, pay)

    def make_opus():
        # A 1 kHz tone at 48 kHz mono (48 samples a period), 20 ms Opus packets of
        # 960 samples. 2 s are encoded and the middle second (50 packets, past the
        # encoder's warm-up) loops, so the loop point is nearly seamless. opusenc
        # gives OpusHead/OpusTags in the caps (streamheader), not as buffers; any
        # header-flagged buffer is dropped anyway, RTP carries none.
        desc = ("audiotestsrc wave=sine freq=1000 volume=0.3 samplesperbuffer=960 "
                "num-buffers=100 ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! "
                "opusenc bitrate=32000 frame-size=20 ! appsink name=a sync=false")
        caps, aus = run_pipeline_to_sinks(desc, ["a"], "opus")[0]
        aus = [(data, None, True) for data, _, _ in aus
               if not data.startswith((b"OpusHead", b"OpusTags"))]
        if len(aus) < 75:
            raise RuntimeError(f"camsim: opusenc gave {len(aus)} packets for 2 s")
        aus, loop_ns = timeline(aus[25:75], SECOND // 50, 0)
        return Track("audio", caps, aus, loop_ns, "rtpopuspay pt=98")

    generated_audio = {"pcmu": lambda: make_g711("pcmu"), "pcma": lambda: make_g711("pcma"),
                       "opus": make_opus}

    track_cache = {}

    def tracks_for(cam):
        if cam["clock"]:
            # The video is encoded live (see ClockStamper); only audio comes from
            # memory: AAC from the default H.264 clip, PCMU/PCMA/Opus generated.
            tracks = [Track("clock", None, None, None, None)]
            if cam["audio"] != "none":
                donor = normalize_camera({"name": "x", "codec": "h264", "audio": cam["audio"]})
                tracks += [t for t in tracks_for(donor) if t.kind == "audio"]
            return tracks
        key = (cam["codec"], cam["audio"], cam["size"])
        if key not in track_cache:
            with_aac = cam["audio"] == "aac"
            path = ensure_clip(args.cache, cam["codec"], cam["audio"], size=cam["size"])
            vkey = ("clip", cam["codec"], with_aac, cam["size"])
            if vkey not in track_cache:
                track_cache[vkey] = demux_clip(path, cam["codec"], with_aac)
            tracks = list(track_cache[vkey])
            if cam["audio"] in generated_audio:
                akey = ("generated", cam["audio"])
                if akey not in track_cache:
                    track_cache[akey] = generated_audio[cam["audio"]]()
                tracks.append(track_cache[akey])
            track_cache[key] = tracks
        return track_cache[key]

    # ---- the feeder: one thread pushes every playing stream on time ----

    class Feed:
        """One appsrc of one media, fed from one track."""

        def __init__(self, cam, appsrc, track):
            self.cam = cam
            self.appsrc = appsrc
            self.track = track
            self.alive = True
            self.primed = False    # the first AU pushed, for the preroll
            self.played = False    # a client sent PLAY on this media
            self.restart = False
            self.playing = False
            self.idx = 0           # next AU
            self.loop = 0          # loops done since the start of the flow
            self.base_mono = 0.0   # monotonic time of the start of the flow
            self.base_pts = 0      # running time (ns) of the start of the flow
            self.pushed = 0

        def begin(self, now, running):
            # Start on the next tick of a 40 ms grid shared by every camera: the
            # feeder then wakes once a frame for all of them, not once per camera.
            start = math.ceil(now / GRID_S) * GRID_S
            self.idx = 0
            self.loop = 0
            self.base_mono = start
            self.base_pts = running + int((start - now) * SECOND)

        def offset(self):
            """ns from the start of the flow to the next AU."""
            return self.loop * self.track.loop_ns + self.track.aus[self.idx][1]

        def due(self):
            return self.base_mono + self.offset() / SECOND

    feeds_lock = threading.Lock()
    feeds = []
    stop_feeder = threading.Event()
    kick = threading.Event()   # wakes the feeder: a new feed, or the end

    def running_time(feed):
        """The pipeline's running time now (ns), or None without a clock."""
        clock = feed.appsrc.get_clock()
        if clock is None:
            return None
        return max(0, clock.get_time() - feed.appsrc.get_base_time())

    def push(feed):
        data, _, key = feed.track.aus[feed.idx]
        buf = Gst.Buffer.new_wrapped(data)   # a new buffer every time (Buffer.copy trap)
        # Exact timestamps, as from a camera's capture clock: the running time at
        # the start of the flow plus the AU's place in it (looping), never the
        # moment of the push (do-timestamp=true), which jitters on a busy machine
        # (ffprobe then guesses 299/12 fps).
        buf.pts = buf.dts = feed.base_pts + feed.offset()
        if not key:
            buf.set_flags(Gst.BufferFlags.DELTA_UNIT)
        feed.appsrc.emit("push-buffer", buf)
        feed.idx += 1
        if feed.idx == len(feed.track.aus):
            feed.idx = 0
            feed.loop += 1
        feed.pushed += 1
        feed.cam.pushed[feed.track.kind] += 1

    def name_thread(name):
        """The OS-level thread name (top -H, /proc/PID/task/*/comm), best effort."""
        try:
            import ctypes
            ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)   # PR_SET_NAME
        except (OSError, AttributeError):
            pass

    def feeder():
        name_thread("camsim-feeder")
        # A feed pushes while its appsrc is really PLAYING (the media's "new-state"
        # signal reports target states only: a live media prerolls in PLAYING
        # while its target is PAUSED).
        while not stop_feeder.is_set():
            kick.clear()
            now = time.monotonic()
            wake = now + 0.5
            with feeds_lock:
                current = list(feeds)
            for f in current:
                playing = (f.alive and not f.cam.paused
                           and f.appsrc.current_state == Gst.State.PLAYING)
                rt = None
                starting = (not f.primed) if not f.played else (not f.playing or f.restart)
                if playing and starting:
                    rt = running_time(f)   # only when (re)starting: it costs
                    playing = rt is not None
                if not playing:
                    f.playing = False
                    if f.alive:
                        wake = min(wake, now + 0.02)   # poll for the start
                    continue
                if not f.played:
                    # Prepared (DESCRIBE) but nobody has sent PLAY: the pipeline is
                    # PLAYING with blocked pads. One key frame gives the payloader its
                    # caps (for the SDP); more would pile up in appsrc and come out as
                    # a burst at PLAY.
                    if not f.primed:
                        f.primed = True
                        f.begin(now, rt)
                        push(f)
                    continue
                if not f.playing or f.restart:
                    # every (re)start of the flow begins with the clip's first AU:
                    # a key frame, with audio aligned to it
                    f.playing = True
                    f.restart = False
                    f.begin(now, rt)
                due = f.due()
                if now - due > 1.0:
                    # fell far behind (the process was stopped?): start over
                    f.restart = True
                    wake = now
                    continue
                for _ in range(50):
                    if due > now:
                        break
                    push(f)
                    due = f.due()
                wake = min(wake, due)
            kick.wait(max(0.0, wake - time.monotonic()))

    # ---- clock cameras: a live encoder, the wall clock written into each frame ----

    import ctypes
    gstlib = ctypes.CDLL("libgstreamer-1.0.so.0")
    gstlib.gst_pad_add_probe.restype = ctypes.c_ulong
    gstlib.gst_pad_add_probe.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                                         ctypes.c_void_p, ctypes.c_void_p]
    gstlib.gst_mini_object_make_writable.restype = ctypes.c_void_p
    gstlib.gst_mini_object_make_writable.argtypes = [ctypes.c_void_p]
    gstlib.gst_buffer_map.restype = ctypes.c_int
    gstlib.gst_buffer_map.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    gstlib.gst_buffer_unmap.restype = None
    gstlib.gst_buffer_unmap.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    capsule_ptr = ctypes.pythonapi.PyCapsule_GetPointer
    capsule_ptr.restype = ctypes.c_void_p
    capsule_ptr.argtypes = [ctypes.py_object, ctypes.c_char_p]
    PROBE_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
    PROBE_OK = int(Gst.PadProbeReturn.OK)
    PROBE_DROP = int(Gst.PadProbeReturn.DROP)
    PROBE_BUFFER = int(Gst.PadProbeType.BUFFER)
    MAP_WRITE = int(Gst.MapFlags.WRITE)
    PROBE_INFO_DATA = 16          # offsetof(GstPadProbeInfo, data) on LP64
    MAP_INFO_DATA, MAP_INFO_SIZE = 16, 24    # offsetof(GstMapInfo, data / size)
    stampers = []   # every probe callback ever made stays alive (a few per camera)

    def round4(n):
        return (n + 3) & ~3

    class ClockStamper:
        """A buffer probe on the live source's src pad. The probe is a C function
        (ctypes), so no Python wrapper takes a reference on the buffer and it can be
        made writable and mapped as in C; PyGObject alone maps a copy. It writes
        the time code of time.time_ns() // 1e6, taken when the source pushes the
        frame (a live videotestsrc pushes each frame at its time on the clock),
        into the I420 picture: luma blocks, chroma 128 under them."""

        def __init__(self, cam):
            self.cam = cam
            w, h = (int(v) for v in cam.spec["size"].split("x"))
            self.xs, self.ys = timecode_edges(w)
            self.stride_y = round4(w)
            self.stride_c = round4(w // 2)
            self.planes_c = (self.stride_y * h, self.stride_y * h + self.stride_c * (h // 2))
            self.frame_size = self.planes_c[1] + self.stride_c * (h // 2)
            # per column: its white and its black run of pixels
            self.runs = [(bytes([TIMECODE_Y[0]]) * (x1 - x0), bytes([TIMECODE_Y[1]]) * (x1 - x0))
                         for x0, x1 in zip(self.xs, self.xs[1:])]
            self.chroma = bytes([128]) * ((self.xs[-1] + 1) // 2)
            self.chroma_rows = (self.ys[-1] + 1) // 2
            self.warned = False
            self.last_frame = -1e9    # time.monotonic() of the last frame stamped
            self.callback = PROBE_FN(self.probe)
            stampers.append(self)

        def attach(self, pad):
            gstlib.gst_pad_add_probe(capsule_ptr(pad.__gpointer__, None), PROBE_BUFFER,
                                     ctypes.cast(self.callback, ctypes.c_void_p), None, None)

        def warn(self, msg):
            if not self.warned:
                self.warned = True
                log(f"camera {self.cam.name}: no time code: {msg}")

        def probe(self, _pad, info, _user):
            try:
                if self.cam.paused:
                    return PROBE_DROP
                ms = time.time_ns() // 1_000_000
                slot = ctypes.c_void_p.from_address(info + PROBE_INFO_DATA)
                buf = gstlib.gst_mini_object_make_writable(slot.value)
                slot.value = buf
                mapinfo = ctypes.create_string_buffer(256)
                if not gstlib.gst_buffer_map(buf, mapinfo, MAP_WRITE):
                    self.warn("cannot map the frame")
                    return PROBE_OK
                try:
                    data = ctypes.c_void_p.from_buffer(mapinfo, MAP_INFO_DATA).value
                    size = ctypes.c_size_t.from_buffer(mapinfo, MAP_INFO_SIZE).value
                    if size < self.frame_size:
                        self.warn(f"frame of {size} bytes, expected {self.frame_size}")
                        return PROBE_OK
                    self.write(data, ms)
                finally:
                    gstlib.gst_buffer_unmap(buf, mapinfo)
                self.cam.pushed["video"] += 1
                self.last_frame = time.monotonic()
            except Exception as e:  # noqa: BLE001 -- never raise into C
                self.warn(repr(e))
            return PROBE_OK

        def write(self, data, ms):
            cols = TIMECODE_COLS
            bits = timecode_bits(ms)
            for r in range(TIMECODE_ROWS):
                row = b"".join(run[bit] for run, bit in
                               zip(self.runs, bits[r * cols:(r + 1) * cols]))
                for y in range(self.ys[r], self.ys[r + 1]):
                    ctypes.memmove(data + y * self.stride_y, row, len(row))
            for plane in self.planes_c:
                for y in range(self.chroma_rows):
                    ctypes.memmove(data + plane + y * self.stride_c, self.chroma, len(self.chroma))

    def clock_launch(spec):
        """The live video branch of a clock camera, ending in payloader pay0."""
        w, h = spec["size"].split("x")
        fps = spec["fps"]
        raw = (f"videotestsrc name=clocksrc is-live=true ! "
               f"video/x-raw,format=I420,width={w},height={h},framerate={fps}/1")
        if spec["codec"] == "h264":
            enc = (f"x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} "
                   f"bitrate={CLOCK_BITRATE_KBPS} ! rtph264pay name=pay0 config-interval=1 pt=96")
        else:
            enc = (f"x265enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} "
                   f"bitrate={CLOCK_BITRATE_KBPS} ! rtph265pay name=pay0 config-interval=1 pt=96")
        return f"{raw} ! {enc}"

    def force_key_unit(media):
        """Asks a clock camera's encoder for a key frame now (a new viewer, a resume)."""
        try:
            pay = media.get_element().get_by_name("pay0")
            gi.require_version("GstVideo", "1.0")
            from gi.repository import GstVideo
            ev = GstVideo.video_event_new_upstream_force_key_unit(Gst.CLOCK_TIME_NONE, True, 0)
            pay.get_static_pad("sink").push_event(ev)
        except Exception as e:  # noqa: BLE001 -- best effort
            log(f"force-key-unit: {e!r}")

    # ---- the RTSP server ----

    server = GstRtspServer.RTSPServer()
    server.set_address(args.address)
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    pool = server.get_session_pool()

    auth = GstRtspServer.RTSPAuth()
    anon = GstRtspServer.RTSPToken()
    anon.set_string("media.factory.role", "anonymous")
    auth.set_default_token(anon)
    methods = 0
    for m in args.auth_methods.split(","):
        m = m.strip().lower()
        if m == "basic":
            methods |= int(GstRtsp.RTSPAuthMethod.BASIC)
        elif m == "digest":
            methods |= int(GstRtsp.RTSPAuthMethod.DIGEST)
        elif m:
            raise ValueError(f"unknown auth method {m!r}")
    if not methods:
        raise ValueError("no auth method given (basic, digest)")
    set_auth_methods(auth, methods, GstRtsp)
    auth.set_realm("camsim")
    if args.tls:
        # RTSPS: the auth's certificate makes every connection TLS (rtsp-auth's
        # connect check wraps it in a GTlsServerConnection); no client certificate
        # is asked for. Needs GIO's TLS backend (glib-networking).
        gi.require_version("Gio", "2.0")
        from gi.repository import Gio
        backend = Gio.TlsBackend.get_default()
        if not backend.supports_tls():
            raise RuntimeError("camsim: GIO has no TLS backend (install glib-networking)")
        try:
            cert = Gio.TlsCertificate.new_from_file(str(args.tls_pem))
        except GLib.Error as e:
            raise RuntimeError(f"camsim: cannot load {args.tls_pem}: {e.message}") from None
        auth.set_tls_certificate(cert)
        auth.set_tls_authentication_mode(Gio.TlsAuthenticationMode.NONE)
    server.set_auth(auth)
    credential_roles = {}   # (user, password) -> role

    def role_for(user, password):
        key = (user, password)
        if key not in credential_roles:
            role = f"user{len(credential_roles) + 1}"
            credential_roles[key] = role
            token = GstRtspServer.RTSPToken()
            token.set_string("media.factory.role", role)
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
            auth.add_digest(user, password, token)
        return credential_roles[key]

    # UDP transport: bind the RTP/RTCP sockets on the server's address only
    addr_pool = GstRtspServer.RTSPAddressPool()
    lo = args.udp_ports[0]
    if not addr_pool.add_range(args.address, args.address, lo, args.udp_ports[1], 0):
        raise ValueError(f"bad UDP port range {args.udp_ports}")

    def grant(factory, role, construct):
        factory.add_role_from_structure(Gst.Structure.new_from_string(
            f"{role}, media.factory.access=(boolean)true, "
            f"media.factory.construct=(boolean){'true' if construct else 'false'}"))

    class Camera:
        def __init__(self, spec):
            self.spec = spec
            self.name = spec["name"]
            self.path = "/" + self.name
            self.tracks = tracks_for(spec)
            self.factory = None
            self.running = False
            self.paused = False
            self.medias = []
            self.sessions_ever = set()
            self.sessions_live = {}      # id -> session
            self.pushed = {"video": 0, "audio": 0}
            self.stops = 0
            self.starts = 0
            self.stamper = ClockStamper(self) if spec["clock"] else None

        def launch(self):
            parts = []
            for i, t in enumerate(self.tracks):
                if t.kind == "clock":
                    parts.append(clock_launch(self.spec))
                    continue
                parts.append(f"appsrc name=src{i} is-live=true do-timestamp=false format=time "
                             f"max-bytes=4000000 ! {t.pay} name=pay{i}")
            return "( " + " ".join(parts) + " )"

        def make_factory(self):
            f = GstRtspServer.RTSPMediaFactory()
            f.set_launch(self.launch())
            f.set_shared(True)
            f.set_address_pool(addr_pool)
            # Every role may ACCESS (else the answer is 404, not 401); only the
            # camera's credentials may CONSTRUCT (a 401 with a challenge otherwise).
            if self.spec["user"] is not None:
                own = role_for(self.spec["user"], self.spec["password"])
                builders = {own}
            else:
                builders = {"anonymous", *credential_roles.values()}
            for role in {"anonymous", *credential_roles.values()}:
                grant(f, role, construct=role in builders)
            f.connect("media-configure", self.on_media_configure)
            return f

        def start(self):
            if self.running:
                return False
            self.factory = self.make_factory()
            mounts.add_factory(self.path, self.factory)
            self.running = True
            self.starts += 1
            return True

        def stop(self):
            """Unmount (new clients get 404), end this camera's sessions and close
            the connections of every client that used it: readers see EOF."""
            if not self.running:
                return False
            self.running = False
            self.stops += 1
            mounts.remove_factory(self.path)
            self.factory = None
            for sess in list(self.sessions_live.values()):
                pool.remove(sess)
            self.sessions_live.clear()
            for st in list(clients.values()):
                if self.name in st.cams and not st.closed:
                    st.client.close()
            # The medias unprepare themselves when their last session is gone
            # (calling unprepare() here as well races with that and gives
            # GStreamer-CRITICALs): just stop feeding them and forget them.
            for media in list(self.medias):
                self.drop_media(media)
            return True

        def on_media_configure(self, factory, media):
            element = media.get_element()
            mine = []
            for i, t in enumerate(self.tracks):
                if t.kind == "clock":
                    self.stamper.attach(element.get_by_name("clocksrc").get_static_pad("src"))
                    continue
                src = element.get_by_name(f"src{i}")
                src.set_property("caps", t.caps)
                mine.append(Feed(self, src, t))
            media.camsim_feeds = mine
            media.connect("unprepared", self.drop_media)
            self.medias.append(media)
            with feeds_lock:
                feeds.extend(mine)
            kick.set()

        def drop_media(self, media):
            mine = getattr(media, "camsim_feeds", ())
            for f in mine:
                f.alive = False
            with feeds_lock:
                feeds[:] = [f for f in feeds if f not in mine]
            if media in self.medias:
                self.medias.remove(media)

        def active_sessions(self):
            """Sessions in the pool that still hold a media of this camera (a
            session whose TCP connection closed without TEARDOWN stays in the
            pool until its timeout, but without media)."""
            n = 0
            for sess in pool.filter(None):
                if any(sm.get_media() in self.medias for sm in sess.filter(None)):
                    n += 1
            return n

        def stats(self):
            return {
                "camera": self.name,
                "url": url_of(self.name),
                "codec": self.spec["codec"],
                "audio": self.spec["audio"],
                "size": self.spec["size"],
                "clock": self.spec["clock"],
                "fps": self.spec["fps"],
                "auth": self.spec["user"] is not None,
                "running": self.running,
                "paused": self.paused,
                "clients": sum(1 for st in clients.values()
                               if self.name in st.cams and not st.closed),
                "sessions": len(self.sessions_ever),
                "sessions_active": self.active_sessions(),
                "medias": len(self.medias),
                "streaming": any(f.playing for m in self.medias
                                 for f in getattr(m, "camsim_feeds", ()))
                or (self.stamper is not None and bool(self.medias) and not self.paused
                    and time.monotonic() - self.stamper.last_frame < 1.0),
                "video_aus_pushed": self.pushed["video"],
                "audio_aus_pushed": self.pushed["audio"],
                "starts": self.starts,
                "stops": self.stops,
            }

    cameras = {}
    conn_stats = {"open": 0, "total": 0}

    class ClientState:
        def __init__(self, client):
            self.client = client
            self.cams = set()
            self.closed = False

    clients = {}   # id(client) -> ClientState
    session_cam = {}   # session id -> camera name

    def cam_of_path(path):
        if not path:
            return None
        name = path.lstrip("/").split("/", 1)[0]
        return cameras.get(name)

    def on_pre_request(client, ctx):
        st = clients.get(id(client))
        cam = cam_of_path(ctx.uri.abspath if ctx.uri is not None else None)
        if st is not None and cam is not None:
            st.cams.add(cam.name)
        return GstRtsp.RTSPStatusCode.OK

    def on_setup(client, ctx):
        cam = cam_of_path(ctx.uri.abspath if ctx.uri is not None else None)
        sess = ctx.session
        if cam is None or sess is None:
            return
        sid = sess.get_sessionid()
        cam.sessions_ever.add(sid)
        cam.sessions_live[sid] = sess
        session_cam[sid] = cam.name

    def on_play(client, ctx):
        media = ctx.media
        if media is None:
            return
        for f in getattr(media, "camsim_feeds", ()):
            if not f.played:
                f.played = True
                f.restart = True    # start from the clip's first AU (a key frame)
        cam = cam_of_path(ctx.uri.abspath if ctx.uri is not None else None)
        if cam is not None and cam.stamper is not None:
            force_key_unit(media)   # a new viewer of a live encoder starts on a key frame
        kick.set()

    def on_session_removed(_pool, sess):
        sid = sess.get_sessionid()
        name = session_cam.pop(sid, None)
        if name in cameras:
            cameras[name].sessions_live.pop(sid, None)

    pool.connect("session-removed", on_session_removed)

    def on_client_connected(_server, client):
        st = ClientState(client)
        clients[id(client)] = st
        conn_stats["open"] += 1
        conn_stats["total"] += 1
        for sig in ("pre-options-request", "pre-describe-request", "pre-setup-request",
                    "pre-play-request", "pre-pause-request", "pre-teardown-request",
                    "pre-get-parameter-request", "pre-set-parameter-request"):
            client.connect(sig, on_pre_request)
        client.connect("setup-request", on_setup)
        client.connect("play-request", on_play)

        def on_closed(c):
            if not st.closed:
                st.closed = True
                conn_stats["open"] -= 1
            clients.pop(id(c), None)

        client.connect("closed", on_closed)

    server.connect("client-connected", on_client_connected)

    def url_of(name):
        host = args.address if ":" not in args.address else f"[{args.address}]"
        scheme = "rtsps" if args.tls else "rtsp"
        return f"{scheme}://{host}:{bound_port[0]}/{name}"

    bound_port = [0]

    def add_camera(spec):
        cam = normalize_camera(spec)
        if cam["name"] in cameras:
            raise ValueError(f"camera {cam['name']} exists")
        c = Camera(cam)
        cameras[c.name] = c
        c.start()
        # a new credential: every other factory must let it ACCESS (public
        # cameras: CONSTRUCT too)
        if cam["user"] is not None:
            role = role_for(cam["user"], cam["password"])
            for other in cameras.values():
                if other is not c and other.factory is not None:
                    grant(other.factory, role, construct=other.spec["user"] is None)
        return c

    for spec in args.camera:
        add_camera(spec)
    if not cameras:
        for i in range(args.cameras):
            add_camera(f"cam{i + 1}")

    # ---- listen, and prove it: attach() fails silently when the port is taken ----

    source_id = server.attach(None)
    port = server.get_bound_port()
    if not source_id or port <= 0:
        _emit({"event": "error", "error": f"cannot listen on {args.address}:{args.port}"})
        return 2
    family = socket.AF_INET6 if ":" in args.address else socket.AF_INET
    probe = socket.socket(family, socket.SOCK_STREAM)
    try:
        probe.bind((args.address, port))
        listening = False
    except OSError:
        listening = True
    finally:
        probe.close()
    if not listening:
        _emit({"event": "error", "error": f"the RTSP server is not listening on "
                                          f"{args.address}:{port} (port taken?)"})
        return 2
    bound_port[0] = port

    feeder_thread = threading.Thread(target=feeder, name="camsim-feeder", daemon=True)
    feeder_thread.start()

    loop = GLib.MainLoop()

    # ---- control: one command a line on stdin, one JSON line back ----

    def command(line):
        words = line.split()
        if not words:
            return None
        cmd, rest = words[0].lower(), words[1:]

        def cam_arg():
            if len(rest) != 1:
                raise ValueError(f"usage: {cmd} NAME")
            if rest[0] not in cameras:
                raise ValueError(f"no camera {rest[0]!r}")
            return cameras[rest[0]]

        if cmd == "ping":
            return {"ok": True}
        if cmd == "quit":
            GLib.idle_add(loop.quit)
            return {"ok": True}
        if cmd == "list":
            return {"ok": True, "port": bound_port[0], "connections": dict(conn_stats),
                    "cameras": [c.stats() for c in cameras.values()]}
        if cmd == "connections":
            return {"ok": True, **conn_stats}
        if cmd == "stats":
            return {"ok": True, **cam_arg().stats()}
        if cmd == "clients":
            s = cam_arg().stats()
            return {"ok": True, "camera": s["camera"], "clients": s["clients"]}
        if cmd == "sessions":
            s = cam_arg().stats()
            return {"ok": True, "camera": s["camera"], "sessions": s["sessions"],
                    "sessions_active": s["sessions_active"]}
        if cmd == "stop":
            c = cam_arg()
            return {"ok": True, "camera": c.name, "changed": c.stop()}
        if cmd == "start":
            c = cam_arg()
            return {"ok": True, "camera": c.name, "changed": c.start()}
        if cmd == "pause":
            c = cam_arg()
            changed, c.paused = not c.paused, True
            return {"ok": True, "camera": c.name, "changed": changed}
        if cmd == "resume":
            c = cam_arg()
            changed, c.paused = c.paused, False
            if changed and c.stamper is not None:
                for media in list(c.medias):
                    force_key_unit(media)
            return {"ok": True, "camera": c.name, "changed": changed}
        if cmd == "add":
            if len(rest) != 1:
                raise ValueError(
                    "usage: add NAME[:codec=..,audio=..,user=..,password=..,size=WxH,"
                    "clock=1,fps=N]")
            c = add_camera(rest[0])
            return {"ok": True, "camera": c.name, "url": url_of(c.name)}
        if cmd == "remove":
            c = cam_arg()
            c.stop()
            del cameras[c.name]
            return {"ok": True, "camera": c.name}
        raise ValueError(f"unknown command {cmd!r}")

    pending = bytearray()

    def on_stdin(fd, cond):
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b""
        if not data:
            loop.quit()
            return False
        pending.extend(data)
        while b"\n" in pending:
            raw, _, tail = bytes(pending).partition(b"\n")
            pending[:] = tail
            line = raw.decode("utf-8", "replace").strip()
            try:
                answer = command(line)
            except Exception as e:  # noqa: BLE001 -- every mistake is an answer
                answer = {"ok": False, "error": str(e)}
            if answer is not None:
                _emit(answer)
        return True

    if not args.no_stdin:
        GLib.unix_fd_add_full(GLib.PRIORITY_DEFAULT, 0, GLib.IOCondition.IN | GLib.IOCondition.HUP
                              | GLib.IOCondition.ERR, on_stdin)
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, lambda *a: (loop.quit(), False)[1])

    _emit({"event": "ready", "pid": os.getpid(), "port": port, "address": args.address,
           "urls": {name: url_of(name) for name in cameras}, "tls": bool(args.tls),
           "tls_certificate": str(args.tls_cert) if args.tls else None})
    log(f"ready on {args.address}:{port} with {len(cameras)} camera(s)"
        + (" (RTSPS)" if args.tls else ""))
    try:
        loop.run()
    finally:
        stop_feeder.set()
        kick.set()
        feeder_thread.join(2.0)
        log("exiting")
        sys.stdout.flush()
        sys.stderr.flush()
    # skip interpreter/GStreamer teardown: it can hang on live pipelines
    os._exit(0)


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="camsim.py",
        description="Simulated IP cameras over RTSP (GStreamer), controlled on stdin.")
    p.add_argument("--cache", default=None,
                   help="directory for the generated clips (default $CAMSIM_CACHE_DIR "
                        "or /tmp/camsim-cache-UID); reused when present")
    p.add_argument("--address", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0,
                   help="RTSP port; 0 (default) picks a free one; a taken port is an error")
    p.add_argument("--camera", action="append", default=[], metavar="SPEC",
                   help="NAME[:codec=h264|h265,audio=none|aac|pcmu|pcma|opus,user=U,"
                        "password=P,size=WxH (default 1280x720),clock=1 (live-encoded, the "
                        "capture time in the picture),fps=N (clock cameras, default 30)]; "
                        "repeatable")
    p.add_argument("--cameras", type=int, default=1, metavar="N",
                   help="without --camera: N plain H.264 cameras cam1..camN (default 1)")
    p.add_argument("--auth-methods", default="digest,basic",
                   help="RTSP authentication offered to clients: digest, basic or both "
                        "(default digest,basic)")
    p.add_argument("--udp-ports", default=None, metavar="LO-HI",
                   help="UDP port range for RTP over UDP (default: a random 4000-port "
                        "window in 20000-32000)")
    p.add_argument("--tls", action="store_true",
                   help="RTSPS (RTSP over TLS) for every camera: rtsps:// URLs, a "
                        "self-signed certificate made once with openssl into --cache")
    p.add_argument("--no-stdin", action="store_true",
                   help="ignore stdin (run until SIGTERM/SIGINT), for a shell in the background")
    p.add_argument("--make-clips", action="store_true",
                   help="only make the clips the cameras need, then exit")
    args = p.parse_args(argv)
    args.cache = args.cache or default_cache_dir()
    args.tls_pem, args.tls_cert = tls_paths(args.cache)
    try:
        args.camera = [normalize_camera(c) for c in args.camera]
    except ValueError as e:
        p.error(str(e))
    if args.udp_ports:
        lo, _, hi = args.udp_ports.partition("-")
        args.udp_ports = (int(lo), int(hi))
    else:
        import random
        lo = random.randrange(20000, 28000, 2)
        args.udp_ports = (lo, lo + 3999)
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    specs = args.camera or [normalize_camera(f"cam{i + 1}") for i in range(args.cameras)]
    try:
        for codec, audio, size in sorted({clip for c in specs for clip in clips_for(c)}):
            ensure_clip(args.cache, codec, audio, size=size)
        if args.tls:
            ensure_tls_certificate(args.cache)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        _emit({"event": "error", "error": str(e)})
        return 2
    if args.make_clips:
        return 0
    try:
        return run_server(args)
    except (ValueError, RuntimeError) as e:
        _emit({"event": "error", "error": str(e)})
        return 2


# --------------------------------------------------------------------------
# The driver: start the simulator as a subprocess, talk to it, stop it by pid
# --------------------------------------------------------------------------

class CameraSimulatorError(Exception):
    pass


class CameraSimulator:
    """Runs camsim.py under /usr/bin/python3 and talks to it on stdin/stdout.

    cameras: an int N (cam1..camN, H.264 1280x720, no audio, no password) or a
             list of specs: "cam2:codec=h265,audio=aac,user=u,password=p,size=1920x1080"
             strings or dicts with the keys name, codec, audio, user, password, size,
             clock, fps ("live:clock=1": a live-encoded camera with its capture
             time in the picture, see read_timecodes).
    cache_dir: where the clips (and the TLS certificate) are made once and reused.
    port: the RTSP port, 0 (default) for a free one.
    tls: True for RTSPS (rtsps:// URLs, a self-signed certificate in cache_dir;
         .tls_certificate is the path of the certificate alone).

    start() returns self; close() stops the process by pid (SIGTERM, bounded
    wait, SIGKILL) and is safe to call twice or after a failed start. Usable as
    a context manager.
    """

    def __init__(self, cameras=1, cache_dir=None, port=0, python=DEFAULT_PYTHON,
                 start_timeout=START_TIMEOUT_S, auth_methods="digest,basic",
                 udp_ports=None, address="127.0.0.1", tls=False):
        if isinstance(cameras, int):
            cameras = [f"cam{i + 1}" for i in range(cameras)]
        self.cameras = {c["name"]: c for c in map(normalize_camera, cameras)}
        if len(self.cameras) != len(cameras):
            raise ValueError("camera names must be unique")
        self.cache_dir = str(cache_dir or default_cache_dir())
        self.port_requested = int(port)
        self.python = python
        self.start_timeout = start_timeout
        self.auth_methods = auth_methods
        self.udp_ports = udp_ports
        self.address = address
        self.tls = bool(tls)
        self.tls_certificate = None
        self.proc = None
        self.port = None
        self.pid = None
        self.urls = {}
        self._lines = queue.Queue()
        self._stderr = collections.deque(maxlen=400)
        self._lock = threading.Lock()
        self._threads = []

    # ---- lifecycle ----

    def command_line(self):
        cmd = [self.python, os.path.abspath(__file__), "--cache", self.cache_dir,
               "--port", str(self.port_requested), "--address", self.address,
               "--auth-methods", self.auth_methods]
        if self.udp_ports:
            cmd += ["--udp-ports", f"{self.udp_ports[0]}-{self.udp_ports[1]}"]
        if self.tls:
            cmd += ["--tls"]
        for cam in self.cameras.values():
            cmd += ["--camera", format_camera(cam)]
        return cmd

    def start(self):
        assert self.proc is None, "already started"
        # make the clips here, bounded, so the ready wait below stays short
        for codec, audio, size in sorted({clip for c in self.cameras.values()
                                          for clip in clips_for(c)}):
            ensure_clip(self.cache_dir, codec, audio, size=size)
        if self.tls:
            ensure_tls_certificate(self.cache_dir)
        self.proc = subprocess.Popen(self.command_line(), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     close_fds=True)
        self.pid = self.proc.pid
        for target, stream in ((self._read_stdout, self.proc.stdout),
                               (self._read_stderr, self.proc.stderr)):
            t = threading.Thread(target=target, args=(stream,), daemon=True,
                                 name=f"camsim-{self.pid}-reader")
            t.start()
            self._threads.append(t)
        try:
            ready = self._next_line(self.start_timeout, "ready")
            if ready.get("event") != "ready":
                raise CameraSimulatorError(f"camsim failed to start: {ready}\n{self.stderr}")
            self.port = ready["port"]
            self.urls = dict(ready["urls"])
            self.tls_certificate = ready.get("tls_certificate")
        except BaseException:
            self.close()
            raise
        return self

    def close(self):
        """Stops the simulator by pid: SIGTERM, up to 5 s, then SIGKILL. Returns its
        exit code (None if it was never started)."""
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=STOP_TIMEOUT_S)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass
        for t in self._threads:
            t.join(1.0)
        return proc.returncode

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def stderr(self):
        """The last lines the simulator wrote on stderr (GStreamer warnings, its log)."""
        return "\n".join(self._stderr)

    # ---- the pipes ----

    def _read_stdout(self, stream):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            try:
                self._lines.put(json.loads(line))
            except ValueError:
                self._lines.put({"ok": False, "error": f"not JSON: {line}"})
        self._lines.put(None)   # EOF

    def _read_stderr(self, stream):
        for raw in iter(stream.readline, b""):
            self._stderr.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def _next_line(self, timeout, what):
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise CameraSimulatorError(
                f"camsim: no answer to {what!r} within {timeout}s\n{self.stderr}") from None
        if line is None:
            self._lines.put(None)   # keep EOF visible to the next caller
            raise CameraSimulatorError(
                f"camsim exited (code {self.proc.poll()}) before answering {what!r}\n"
                f"{self.stderr}")
        return line

    def command(self, line, timeout=COMMAND_TIMEOUT_S):
        """Sends one command line; returns its JSON answer; raises if ok is false."""
        if not self.running:
            raise CameraSimulatorError(f"camsim is not running (command {line!r})")
        with self._lock:
            try:
                self.proc.stdin.write(line.encode() + b"\n")
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError) as e:
                raise CameraSimulatorError(f"camsim: cannot send {line!r}: {e}") from None
            answer = self._next_line(timeout, line)
        if not answer.get("ok"):
            raise CameraSimulatorError(f"camsim: {line!r} failed: {answer.get('error')}")
        return answer

    # ---- the API ----

    def url(self, name, auth=False, user=None, password=None):
        """rtsp://127.0.0.1:PORT/NAME (rtsps://... with tls=True); with auth=True the
        camera's own credentials are put in it, or give user/password (e.g. a
        wrong one)."""
        if name not in self.urls:
            raise KeyError(f"no camera {name!r}")
        if auth and user is None:
            cam = self.cameras[name]
            user, password = cam["user"], cam["password"]
        base = self.urls[name]
        if user is None:
            return base
        scheme, sep, rest = base.partition("://")
        return f"{scheme}{sep}{user}:{password}@{rest}"

    def stop_camera(self, name):
        """Unmounts the camera and closes every connection that used it."""
        return self.command(f"stop {name}")["changed"]

    def start_camera(self, name):
        return self.command(f"start {name}")["changed"]

    def pause_camera(self, name):
        """Keeps sessions open but stops sending media (a frozen camera)."""
        return self.command(f"pause {name}")["changed"]

    def resume_camera(self, name):
        return self.command(f"resume {name}")["changed"]

    def clients(self, name):
        """RTSP connections open now that have sent a request for this camera."""
        return self.command(f"clients {name}")["clients"]

    def sessions(self, name):
        """RTSP sessions ever set up (SETUP) on this camera."""
        return self.command(f"sessions {name}")["sessions"]

    def stats(self, name):
        return self.command(f"stats {name}")

    def connections(self):
        """{"open": n, "total": n}: every RTSP connection to the server."""
        ans = self.command("connections")
        return {"open": ans["open"], "total": ans["total"]}

    def add_camera(self, spec):
        cam = normalize_camera(spec)
        for codec, audio, size in clips_for(cam):
            ensure_clip(self.cache_dir, codec, audio, size=size)
        ans = self.command(f"add {format_camera(cam)}", timeout=60)
        self.cameras[cam["name"]] = cam
        self.urls[cam["name"]] = ans["url"]
        return ans["url"]

    def remove_camera(self, name):
        self.command(f"remove {name}")
        self.cameras.pop(name, None)
        self.urls.pop(name, None)

    def wait_for(self, predicate, timeout=10.0, interval=0.1):
        """Polls predicate() (bounded) until it is true; returns its last value."""
        deadline = time.monotonic() + timeout
        value = predicate()
        for _ in range(int(timeout / interval) + 2):
            if value or time.monotonic() > deadline:
                break
            time.sleep(interval)
            value = predicate()
        return value


if __name__ == "__main__":
    sys.exit(main())
