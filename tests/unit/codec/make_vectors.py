#!/usr/bin/env python3
"""
make_vectors.py: regenerates the test vectors of test_h264.c and test_h265.c
and the seed corpora of fuzz/corpus/h264 and fuzz/corpus/h265.

    tests/unit/codec/make_vectors.py vectors     # prints the C arrays
    tests/unit/codec/make_vectors.py seeds DIR   # writes seed files to DIR/h264, DIR/h265

Real vectors come from libx264/libx265 through the ffmpeg CLI (Debian 12:
ffmpeg 5.1, x264 0.164, x265 3.5): the first parameter sets of each
Annex-B stream, and the avcC/hvcC box payloads movenc writes into MP4.

Hand-made SPSs cover what the encoders never write (SPS scaling lists,
pic_order_cnt_type 1, separate colour planes, H.265 sub-layer PTL,
scaling_list_data, predicted RPSs, HRD, ...). Each is written here with a
small bit writer and then checked with FFmpeg's own parser: the script runs
`ffmpeg -bsf:v trace_headers` on it and fails unless FFmpeg reads it to
rbsp_stop_one_bit without an error. (The writer reproduces libx264's and
libx265's SPS byte for byte from their fields, which is checked too.)
"""
import hashlib
import os
import struct
import subprocess
import sys
import tempfile

FF = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]

# ---- Annex-B and MP4 helpers ------------------------------------------------------------------


def split_annexb(b):
    """NAL units of an Annex-B buffer (trailing zero bytes belong to the next start code)."""
    starts, i = [], 0
    while i + 2 < len(b):
        if b[i] == 0 and b[i + 1] == 0 and b[i + 2] == 1:
            starts.append(i + 3)
            i += 3
        else:
            i += 1
    out = []
    for k, s in enumerate(starts):
        e = starts[k + 1] - 3 if k + 1 < len(starts) else len(b)
        while e > s and b[e - 1] == 0:
            e -= 1
        out.append(b[s:e])
    return out


def box_payload(mp4, name):
    """The payload of the first box called `name` (good enough for avcC/hvcC in a small file)."""
    i = mp4.find(name.encode())
    size = int.from_bytes(mp4[i - 4:i], "big")
    return mp4[i + 4:i - 4 + size]


def h264_type(n):
    return n[0] & 0x1F


def h265_type(n):
    return (n[0] >> 1) & 0x3F


# ---- bit writer -------------------------------------------------------------------------------


class BitWriter:
    def __init__(self):
        self.bits = []

    def u(self, n, v):
        for i in range(n - 1, -1, -1):
            self.bits.append((v >> i) & 1)

    def ue(self, v):
        v += 1
        n = v.bit_length()
        self.u(n - 1, 0)
        self.u(n, v)

    def se(self, v):
        self.ue(2 * v - 1 if v > 0 else -2 * v)

    def nal(self, header):
        """header bytes + RBSP with its stop bit, emulation prevention inserted."""
        b = self.bits + [1]
        while len(b) % 8:
            b.append(0)
        rbsp = bytes(int("".join(map(str, b[i:i + 8])), 2) for i in range(0, len(b), 8))
        out, zeros = bytearray(header), 0
        for c in rbsp:
            if zeros >= 2 and c <= 3:
                out.append(3)
                zeros = 0
            out.append(c)
            zeros = zeros + 1 if c == 0 else 0
        return bytes(out)


# ---- H.264 SPS writer (7.3.2.1.1) -------------------------------------------------------------

HIGH = (100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135)


def h264_sps(profile=100, cflags=0, level=31, sps_id=0, chroma=1, sep=0, bdl=0, bdc=0, lists=None,
             log2_max_frame_num_m4=0, poc_type=2, poc_lsb_m4=0, poc1=None, max_ref=3, wmbs=80,
             hmap=45, frame_mbs_only=1, mbaff=0, crop=None, vui=None):
    w = BitWriter()
    w.u(8, profile)
    w.u(8, cflags)
    w.u(8, level)
    w.ue(sps_id)
    if profile in HIGH:
        w.ue(chroma)
        if chroma == 3:
            w.u(1, sep)
        w.ue(bdl)
        w.ue(bdc)
        w.u(1, 0)
        w.u(1, lists is not None)
        if lists is not None:
            for i in range(8 if chroma != 3 else 12):
                w.u(1, i in lists)
                for d in lists.get(i, []):
                    w.se(d)
    w.ue(log2_max_frame_num_m4)
    w.ue(poc_type)
    if poc_type == 0:
        w.ue(poc_lsb_m4)
    elif poc_type == 1:
        w.u(1, poc1[0])
        w.se(poc1[1])
        w.se(poc1[2])
        w.ue(len(poc1[3]))
        for o in poc1[3]:
            w.se(o)
    w.ue(max_ref)
    w.u(1, 0)
    w.ue(wmbs - 1)
    w.ue(hmap - 1)
    w.u(1, frame_mbs_only)
    if not frame_mbs_only:
        w.u(1, mbaff)
    w.u(1, 1)
    w.u(1, crop is not None)
    for c in crop or []:
        w.ue(c)
    w.u(1, vui is not None)
    if vui:
        vui(w)
    return w.nal(b"\x67")


def scaling_deltas(values):
    """delta_scale values giving the scale list `values` (a 0 ends the list early)."""
    last, out = 8, []
    for v in values:
        out.append(((v - last + 128) % 256) - 128)
        last = v
    return out


def x264_720p_vui(w):
    w.u(1, 1), w.u(8, 1), w.u(1, 0), w.u(1, 0), w.u(1, 0)
    w.u(1, 1), w.u(32, 1), w.u(32, 50), w.u(1, 0)
    w.u(1, 0), w.u(1, 0), w.u(1, 0)
    w.u(1, 1), w.u(1, 1), w.ue(0), w.ue(0), w.ue(11), w.ue(11), w.ue(0), w.ue(3)


def vui_a(w):
    w.u(1, 1), w.u(8, 255), w.u(16, 4), w.u(16, 3)
    w.u(1, 1), w.u(1, 1)
    w.u(1, 1), w.u(3, 5), w.u(1, 1), w.u(1, 1), w.u(8, 1), w.u(8, 1), w.u(8, 1)
    w.u(1, 1), w.ue(1), w.ue(1)
    w.u(1, 1), w.u(32, 1001), w.u(32, 60000), w.u(1, 1)
    w.u(1, 1), w.ue(0), w.u(4, 4), w.u(4, 3), w.ue(999), w.ue(1999), w.u(1, 1)
    w.u(5, 23), w.u(5, 23), w.u(5, 23), w.u(5, 24)
    w.u(1, 0), w.u(1, 0), w.u(1, 1), w.u(1, 0)


def vui_c(w):
    w.u(1, 0), w.u(1, 0), w.u(1, 0), w.u(1, 0)
    w.u(1, 1), w.u(32, 1), w.u(32, 20), w.u(1, 1)
    w.u(1, 0), w.u(1, 0), w.u(1, 0), w.u(1, 0)


def crafted_h264():
    l0 = scaling_deltas([6, 13, 13, 20, 20, 20, 28, 28, 28, 28, 32, 32, 32, 37, 37, 42])
    l6 = scaling_deltas([(j * 37 + 3) % 256 or 1 for j in range(64)])
    a = h264_sps(level=40, lists={0: l0, 2: [-8], 4: scaling_deltas([9, 9, 9, 9, 9, 0]), 6: l6,
                                  7: [-8]},
                 log2_max_frame_num_m4=2, poc_type=1, poc1=(0, -2, 1, [1, -1, 3]), max_ref=4,
                 wmbs=120, hmap=34, frame_mbs_only=0, mbaff=1, crop=(0, 0, 0, 2), vui=vui_a)
    b = h264_sps(profile=244, level=32, sps_id=3, chroma=3, sep=1, bdl=2, bdc=2,
                 lists={8: scaling_deltas([16] * 64), 11: [-8], 1: [0] * 16}, poc_type=0,
                 poc_lsb_m4=3, max_ref=1, wmbs=80, hmap=46, crop=(2, 0, 0, 16))
    c = h264_sps(level=21, chroma=0, wmbs=22, hmap=18, crop=(0, 3, 1, 0), vui=vui_c)
    return {"sps_crafted_scaling_interlaced": a, "sps_crafted_444_separate_planes": b,
            "sps_crafted_monochrome": c}


# ---- H.265 SPS writer (7.3.2.2.1) -------------------------------------------------------------


def ptl(w, max_sub_m1, prof_space=0, tier=0, prof=1, compat=0x60000000, cons=0x900000000000,
        level=93, sub=()):
    w.u(2, prof_space), w.u(1, tier), w.u(5, prof), w.u(32, compat), w.u(48, cons), w.u(8, level)
    sub = list(sub) + [(0, 0)] * (max_sub_m1 - len(sub))
    for i in range(max_sub_m1):
        w.u(1, sub[i][0]), w.u(1, sub[i][1])
    if max_sub_m1 > 0:
        for i in range(max_sub_m1, 8):
            w.u(2, 0)
    for i in range(max_sub_m1):
        if sub[i][0]:
            w.u(2, 0), w.u(1, 0), w.u(5, prof), w.u(32, compat), w.u(48, cons)
        if sub[i][1]:
            w.u(8, level - 3 * (i + 1))


def hrd(w, max_sub_m1, nal, vcl, subpic, layers):
    w.u(1, nal), w.u(1, vcl)
    if nal or vcl:
        w.u(1, subpic)
        if subpic:
            w.u(8, 90), w.u(5, 7), w.u(1, 1), w.u(5, 7)
        w.u(4, 2), w.u(4, 3)
        if subpic:
            w.u(4, 5)
        w.u(5, 23), w.u(5, 23), w.u(5, 23)
    for i in range(max_sub_m1 + 1):
        fixed_general, fixed_cvs, low_delay, cpb_cnt = layers[i]
        w.u(1, fixed_general)
        if not fixed_general:
            w.u(1, fixed_cvs)
        else:
            fixed_cvs = 1
        if fixed_cvs:
            w.ue(0)
        else:
            w.u(1, low_delay)
        if not low_delay:
            w.ue(cpb_cnt)
        else:
            cpb_cnt = 0
        for present in (nal, vcl):
            if present:
                for k in range(cpb_cnt + 1):
                    w.ue(1000 + k), w.ue(2000 + k)
                    if subpic:
                        w.ue(300), w.ue(400)
                    w.u(1, k & 1)


def h265_sps(vps_id=0, max_sub_m1=0, nesting=1, ptl_kw=None, sps_id=0, chroma=1, width=1280,
             height=720, conf=None, bdl=0, bdc=0, poc_lsb_m4=4, ordering=(1, [(4, 2, 5)]),
             scaling=None, amp=0, pcm=False, st_rps=(), lt=None, vui=None):
    w = BitWriter()
    w.u(4, vps_id), w.u(3, max_sub_m1), w.u(1, nesting)
    ptl(w, max_sub_m1, **(ptl_kw or {}))
    w.ue(sps_id), w.ue(chroma)
    if chroma == 3:
        w.u(1, 0)
    w.ue(width), w.ue(height)
    w.u(1, conf is not None)
    for c in conf or []:
        w.ue(c)
    w.ue(bdl), w.ue(bdc), w.ue(poc_lsb_m4)
    w.u(1, ordering[0])
    for t in ordering[1]:
        for x in t:
            w.ue(x)
    w.ue(0), w.ue(3), w.ue(0), w.ue(3), w.ue(0), w.ue(0)
    w.u(1, scaling is not None)
    if scaling == "default":
        w.u(1, 0)
    elif scaling:
        w.u(1, 1)
        scaling(w)
    w.u(1, amp), w.u(1, 1)
    w.u(1, pcm)
    if pcm:
        w.u(4, 7), w.u(4, 7), w.ue(0), w.ue(1), w.u(1, 1)
    w.ue(len(st_rps))
    for f in st_rps:
        f(w)
    w.u(1, lt is not None)
    if lt is not None:
        w.ue(len(lt))
        for poc, used in lt:
            w.u(poc_lsb_m4 + 4, poc), w.u(1, used)
    w.u(1, 1), w.u(1, 1)
    w.u(1, vui is not None)
    if vui:
        vui(w)
    w.u(1, 0)
    return w.nal(b"\x42\x01")


def x265_720p_vui(w):
    w.u(1, 1), w.u(8, 1), w.u(1, 0), w.u(1, 1), w.u(3, 5), w.u(1, 0), w.u(1, 0), w.u(1, 0)
    w.u(1, 0), w.u(1, 0), w.u(1, 0), w.u(1, 0)
    w.u(1, 1), w.u(32, 1), w.u(32, 25), w.u(1, 0), w.u(1, 0), w.u(1, 0)


def scaling_list_data(w):
    for size in range(4):
        for m in range(0, 6, 3 if size == 3 else 1):
            if (size + m) % 3 == 0:
                w.u(1, 0)
                w.ue(0 if m == 0 else 1)
            else:
                w.u(1, 1)
                if size > 1:
                    w.se(8)
                for i in range(min(64, 1 << (4 + (size << 1)))):
                    w.se(((i * 5 + m) % 9) - 4)


def rps_explicit(first, neg, pos):
    def f(w):
        if not first:
            w.u(1, 0)
        w.ue(len(neg)), w.ue(len(pos))
        for d, u in neg + pos:
            w.ue(d - 1), w.u(1, u)
    return f


def rps_inter(sign, abs_m1, flags):
    def f(w):
        w.u(1, 1), w.u(1, sign), w.ue(abs_m1)
        for used, use in flags:
            w.u(1, used)
            if not used:
                w.u(1, use)
    return f


def vui_d(w):
    w.u(1, 1), w.u(8, 255), w.u(16, 16), w.u(16, 11)
    w.u(1, 1), w.u(1, 0)
    w.u(1, 1), w.u(3, 5), w.u(1, 1), w.u(1, 1), w.u(8, 9), w.u(8, 16), w.u(8, 9)
    w.u(1, 1), w.ue(2), w.ue(2)
    w.u(1, 0), w.u(1, 0), w.u(1, 1)
    w.u(1, 1), w.ue(8), w.ue(0), w.ue(0), w.ue(8)
    w.u(1, 1), w.u(32, 1001), w.u(32, 30000), w.u(1, 1), w.ue(0)
    w.u(1, 1)
    hrd(w, 2, nal=1, vcl=1, subpic=1, layers=[(0, 1, 0, 1), (1, 1, 0, 0), (0, 0, 1, 0)])
    w.u(1, 1), w.u(1, 0), w.u(1, 1), w.u(1, 1), w.ue(4), w.ue(2), w.ue(1), w.ue(15), w.ue(15)


def crafted_h265():
    sets = [rps_explicit(True, [(1, 1), (2, 1)], [(2, 0)]),
            rps_inter(1, 0, [(1, 1), (0, 1), (1, 1), (1, 1)]),
            rps_inter(0, 1, [(1, 1), (0, 0), (1, 1), (0, 1), (1, 1)]),
            rps_explicit(False, [(1, 1)], [])]
    d = h265_sps(vps_id=1, max_sub_m1=2, nesting=0,
                 ptl_kw=dict(prof=4, compat=0x08000000, cons=0x9C0000000000, level=120,
                             sub=[(1, 1), (0, 1)]),
                 sps_id=2, chroma=2, width=1920, height=1088, conf=(0, 0, 0, 4), bdl=2, bdc=2,
                 ordering=(1, [(4, 2, 5), (5, 3, 0), (6, 3, 0)]), scaling=scaling_list_data,
                 amp=1, pcm=True, st_rps=sets, lt=[(5, 1), (200, 0)], vui=vui_d)
    e = h265_sps(max_sub_m1=1, ptl_kw=dict(prof=2, compat=0x20000000, tier=1,
                                           cons=0x800000000000, level=153),
                 width=3840, height=2176, conf=(2, 2, 0, 8), ordering=(0, [(4, 2, 5)]),
                 scaling="default", st_rps=[rps_explicit(True, [(1, 1)], [])])
    return {"sps_crafted_rext422_everything": d, "sps_crafted_high_tier_4k": e}


# ---- streams ----------------------------------------------------------------------------------

H264_STREAMS = {
    "high_720p": "testsrc2=size=1280x720:rate=25 -t 1 -c:v libx264 -profile:v high -bf 0 -g 25",
    "baseline_360p": "testsrc2=size=640x360:rate=30 -t 1 -c:v libx264 -profile:v baseline -g 30",
    "main_1080p": "testsrc2=size=1920x1080:rate=25 -t 1 -c:v libx264 -profile:v main -bf 0 -g 25",
    "high444_360p": "testsrc2=size=640x360:rate=25 -t 1 -pix_fmt yuv444p -c:v libx264 "
                    "-profile:v high444 -g 25",
    "high422_240p": "testsrc2=size=320x240:rate=15 -t 0.5 -pix_fmt yuv422p -c:v libx264 "
                    "-profile:v high422 -x264-params cqm4iy=" + ",".join(map(str, range(1, 17)))
                    + ":cqm8iy=" + ",".join(map(str, range(1, 65))),
    "interlaced_480p": "testsrc2=size=854x480:rate=30000/1001 -t 0.5 -c:v libx264 -profile:v high "
                       "-flags +ildct -x264-params cqm=jvt -g 15",
    "aud_filler_64": "testsrc2=size=64x64:rate=25 -t 0.2 -c:v libx264 -profile:v main "
                     "-x264-params aud=1:nal-hrd=cbr:filler=1 -b:v 400k -minrate 400k "
                     "-maxrate 400k -bufsize 100k -g 5",
}
H264_MP4 = {
    "avcc_high_1080p": "testsrc2=size=1920x1080:rate=25 -t 1 -c:v libx264 -profile:v high -bf 0 "
                       "-g 25",
    "avcc_baseline_360p": "testsrc2=size=640x360:rate=30 -t 1 -c:v libx264 -profile:v baseline",
}
H265_STREAMS = {
    "main_720p": "testsrc2=size=1280x720:rate=25 -t 1 -c:v libx265 -x265-params log-level=error "
                 "-g 25",
    "main_1080p": "testsrc2=size=1920x1080:rate=30 -t 1 -c:v libx265 -x265-params log-level=error "
                  "-g 30",
    "sublayers_480p": "testsrc2=size=854x480:rate=30 -t 0.5 -c:v libx265 "
                      "-x265-params log-level=error:temporal-layers=1 -g 15",
    "aud_64": "testsrc2=size=64x64:rate=25 -t 0.2 -c:v libx265 "
              "-x265-params log-level=error:aud=1:info=0:repeat-headers=1 -g 5",
}
H265_MP4 = {
    "hvcc_main_720p": "testsrc2=size=1280x720:rate=25 -t 1 -c:v libx265 "
                      "-x265-params log-level=error:info=0 -tag:v hvc1 -g 25",
    "hvcc_main_1080p": "testsrc2=size=1920x1080:rate=30 -t 1 -c:v libx265 "
                       "-x265-params log-level=error:info=0 -tag:v hvc1",
    "hvcc_rext444_360p": "testsrc2=size=640x360:rate=30 -t 1 -pix_fmt yuv444p -c:v libx265 "
                         "-x265-params log-level=error:info=0 -tag:v hvc1",
    "hvcc_with_sei_720p": "testsrc2=size=1280x720:rate=25 -t 0.2 -c:v libx265 "
                          "-x265-params log-level=error -tag:v hvc1",
}


def encode(tmp, name, args, ext):
    path = os.path.join(tmp, name + ext)
    cmd = FF + ["-f", "lavfi", "-i"] + args.split() + ([] if ext != ".mp4" else ["-f", "mp4"])
    subprocess.run(cmd + [path], check=True)
    return open(path, "rb").read()


def check_with_ffmpeg(tmp, nal, hevc):
    """FFmpeg's CBS must read the SPS through rbsp_stop_one_bit without an error."""
    path = os.path.join(tmp, "check.h265" if hevc else "check.h264")
    if hevc:
        vps = bytes.fromhex("40010c01ffff01600000030090000003000003005d959809")
        pps = bytes.fromhex("4401c172b46240")
        data = b"".join(b"\0\0\0\1" + n for n in (vps, nal, pps))
    else:
        data = b"\0\0\0\1" + nal + b"\0\0\0\1" + bytes.fromhex("68ebc3cb22c0")
    open(path, "wb").write(data)
    r = subprocess.run(["ffmpeg", "-hide_banner", "-f", "hevc" if hevc else "h264", "-i", path,
                        "-c:v", "copy", "-bsf:v", "trace_headers", "-f", "null", "-"],
                       capture_output=True, text=True)
    log = r.stderr
    # Only the SPS matters (the PPS may name another sps id and fail, which is fine here).
    sps = log[log.find("Sequence Parameter Set"):]
    sps = sps[:sps.find("Picture Parameter Set")]
    if "rbsp_stop_one_bit" not in sps or "out of range" in sps or "Failed to read unit 0" in log:
        sys.exit("FFmpeg does not read the hand-made SPS " + nal.hex() + ":\n" + log[-2000:])


def c_array(name, b):
    lines = [f"static const uint8_t {name}[] = {{"]
    for i in range(0, len(b), 12):
        lines.append("    " + ", ".join(f"0x{x:02x}" for x in b[i:i + 12]) + ",")
    return "\n".join(lines + ["};", ""])


def first_of_each(nals, typ):
    out = {}
    for n in nals:
        out.setdefault(typ(n), n)
    return out


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("vectors", "seeds"):
        sys.exit(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        # The writers must reproduce the encoders' own SPSs before their other output is trusted.
        x264 = first_of_each(split_annexb(encode(tmp, "x", H264_STREAMS["high_720p"], ".h264")),
                             h264_type)[7]
        x265 = first_of_each(split_annexb(encode(tmp, "y", H265_STREAMS["main_720p"], ".h265")),
                             h265_type)[33]
        assert h264_sps(vui=x264_720p_vui) == x264, "the H.264 writer does not match libx264"
        assert h265_sps(st_rps=(), vui=x265_720p_vui) == x265, "the H.265 writer != libx265"
        c264, c265 = crafted_h264(), crafted_h265()
        for n in c264.values():
            check_with_ffmpeg(tmp, n, False)
        for n in c265.values():
            check_with_ffmpeg(tmp, n, True)

        s264 = {k: split_annexb(encode(tmp, k, v, ".h264")) for k, v in H264_STREAMS.items()}
        m264 = {k: box_payload(encode(tmp, k, v, ".mp4"), "avcC") for k, v in H264_MP4.items()}
        s265 = {k: split_annexb(encode(tmp, k, v, ".h265")) for k, v in H265_STREAMS.items()}
        m265 = {k: box_payload(encode(tmp, k, v, ".mp4"), "hvcC") for k, v in H265_MP4.items()}

        if sys.argv[1] == "vectors":
            for k, nals in s264.items():
                ps = first_of_each(nals, h264_type)
                print(f"/* ffmpeg -f lavfi -i {H264_STREAMS[k]} x.h264 */")
                print(c_array("sps_" + k, ps[7]) + c_array("pps_" + k, ps[8]))
            for k, v in m264.items():
                print(c_array(k, v))
            for k, v in c264.items():
                print(c_array(k, v))
            for k, nals in s265.items():
                ps = first_of_each(nals, h265_type)
                print(f"/* ffmpeg -f lavfi -i {H265_STREAMS[k]} x.h265 */")
                for t, n in ((32, "vps_"), (33, "sps_"), (34, "pps_")):
                    print(c_array(n + k, ps[t]))
            for k, v in m265.items():
                print(c_array(k, v))
            for k, v in c265.items():
                print(c_array(k, v))
            return

        def save(sub, b):
            d = os.path.join(sys.argv[2], sub)
            os.makedirs(d, exist_ok=True)
            open(os.path.join(d, hashlib.sha1(b).hexdigest()), "wb").write(b)

        def avcc(ns):
            return b"".join(struct.pack(">I", len(n)) + n for n in ns)

        def annexb(ns, sc=b"\0\0\0\1"):
            return b"".join(sc + n for n in ns)

        def access_units(ns, aud):
            out, cur = [], []
            for n in ns:
                if n == aud(n) and cur:
                    out.append(cur)
                    cur = []
                cur.append(n)
            return out + [cur]

        for k, nals in s264.items():
            ps = first_of_each(nals, h264_type)
            for n in (ps[7], ps[8], annexb([ps[7], ps[8]]), avcc([ps[7], ps[8]])):
                save("h264", n)
        for v in list(m264.values()) + list(c264.values()):
            save("h264", v)
        aus = access_units(s264["aud_filler_64"], lambda n: n if h264_type(n) == 9 else None)
        for au in aus[:5]:
            save("h264", annexb(au))
            save("h264", avcc(au))
        save("h264", annexb(aus[1], b"\0\0\1"))
        for k, nals in s265.items():
            ps = first_of_each(nals, h265_type)
            trio = [ps[32], ps[33], ps[34]]
            for n in trio + [annexb(trio), avcc(trio)]:
                save("h265", n)
        for v in list(m265.values()) + list(c265.values()):
            save("h265", v)
        aus = access_units(s265["aud_64"], lambda n: n if h265_type(n) == 35 else None)
        for au in aus[:5]:
            save("h265", annexb(au))
            save("h265", avcc(au))
        save("h265", annexb(aus[1] + [bytes.fromhex("4c01ffffff80")]))


if __name__ == "__main__":
    main()
