"""WebRTC over WHEP (issue 5), signalling and transport, judged from outside:
the HTTP exchange a WHEP player makes, the SDP answer a browser must accept,
and ICE-lite's STUN answers checked by a STUN client written here from
RFC 8489 (independent of vigil's own STUN code). Playback in Chromium is in
test_webrtc_browser.py."""
import hashlib
import hmac
import json
import os
import re
import socket
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from conftest import ServerFactory
from hls_util import wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from camsim import CameraSimulator, default_cache_dir  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
# A real offer of Chromium 156 (two recvonly transceivers), with SDP's CRLF line ends.
CHROMIUM_OFFER = "\r\n".join(
    (REPO / "tests" / "unit" / "webrtc" / "chromium_offer.sdp").read_text().splitlines()) + "\r\n"
ENV = {"VIGIL_READTIMEOUT": "3s", "VIGIL_SOURCEONDEMANDSTARTTIMEOUT": "6s",
       "VIGIL_SOURCEONDEMANDCLOSEAFTER": "2s", "VIGIL_WEBRTCHANDSHAKETIMEOUT": "2s"}
SDP = {"Content-Type": "application/sdp"}


@pytest.fixture(scope="module")
def sim():
    cams = ["w1:audio=pcmu", "w2:codec=h265", "w3:audio=aac", "w4"]
    with CameraSimulator(cameras=cams, cache_dir=default_cache_dir()) as s:
        yield s


@pytest.fixture(scope="module")
def vigil(tmp_path_factory):
    factory = ServerFactory(tmp_path_factory.mktemp("webrtc"))
    try:
        yield factory("webrtc", env=ENV)
    finally:
        factory.teardown()


_started = {}


def live_camera(vigil, sim, name, **start):
    if name not in _started:
        _started[name] = vigil.start_camera(name, sim.url(name), start=start)
    return _started[name]


def whep_url(cam):
    return f"/whep/cam_{cam['id']}"


def sessions(vigil):
    r = vigil.get("/api/webrtc/sessions")
    assert r.status_code == 200, r.text
    return r.json()


def media_sections(sdp):
    """The m-sections of an SDP: (m-line, {attribute lines})."""
    out = []
    for block in re.split(r"\r\n(?=m=)", sdp)[1:]:
        lines = block.split("\r\n")
        out.append((lines[0], [l for l in lines[1:] if l]))
    return out


# ---- signalling ----

def test_offer_is_answered_with_ice_lite_dtls_and_the_camera_codecs(vigil, sim):
    cam, _ = live_camera(vigil, sim, "w1")
    r = vigil.post(whep_url(cam), data=CHROMIUM_OFFER, headers=SDP)
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"] == "application/sdp"
    loc = r.headers["Location"]
    assert re.fullmatch(rf"/whep/cam_{cam['id']}/[0-9a-f]{{32}}", loc)
    assert r.headers["ETag"]
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Location" in r.headers["Access-Control-Expose-Headers"]
    answer = r.text
    assert answer.startswith("v=0\r\n") and answer.endswith("\r\n")
    assert "a=ice-lite\r\n" in answer
    assert "a=group:BUNDLE 0 1\r\n" in answer
    video, audio = media_sections(answer)
    assert video[0].startswith("m=video ")
    for attrs in (video[1], audio[1]):
        assert "a=sendonly" in attrs and "a=rtcp-mux" in attrs and "a=setup:passive" in attrs
        assert any(a.startswith("a=fingerprint:sha-256 ") for a in attrs)
        assert any(re.match(r"a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host", a)
                   for a in attrs)
    pt = video[0].split()[3]
    fmtp = next(a for a in video[1] if a.startswith(f"a=fmtp:{pt} "))
    assert "packetization-mode=1" in fmtp
    assert f"a=rtpmap:{pt} H264/90000" in video[1]
    assert any(a.startswith("a=rtpmap:") and "PCMU/8000" in a for a in audio[1])
    # The session exists until DELETE, then it is gone.
    assert any(s["id"] == loc.rsplit("/", 1)[1] for s in sessions(vigil)["sessions"])
    assert vigil.delete(loc).status_code == 204
    assert vigil.delete(loc).status_code == 404
    assert all(s["id"] != loc.rsplit("/", 1)[1] for s in sessions(vigil)["sessions"])


def test_unanswered_session_ends_after_the_handshake_timeout(vigil, sim):
    cam, _ = live_camera(vigil, sim, "w1")
    r = vigil.post(whep_url(cam), data=CHROMIUM_OFFER, headers=SDP)
    assert r.status_code == 201, r.text
    sid = r.headers["Location"].rsplit("/", 1)[1]
    wait_for(lambda: all(s["id"] != sid for s in sessions(vigil)["sessions"]), 10,
             "the session to end after webrtcHandshakeTimeout")
    assert vigil.wait_for_log(f"session={sid[:8]} path=cam_{cam['id']} closed: no ICE and DTLS")


def test_camera_audio_webrtc_cannot_carry_is_rejected_and_video_still_flows(vigil, sim):
    cam, _ = live_camera(vigil, sim, "w3")
    r = vigil.post(whep_url(cam), data=CHROMIUM_OFFER, headers=SDP)
    assert r.status_code == 201, r.text
    video, audio = media_sections(r.text)
    assert not video[0].startswith("m=video 0 ")
    assert audio[0].startswith("m=audio 0 "), audio[0]
    assert "a=group:BUNDLE 0\r\n" in r.text
    assert vigil.wait_for_log("audio not sent")
    vigil.delete(r.headers["Location"])


def test_no_codec_in_common_is_400_saying_which(vigil, sim):
    cam, _ = live_camera(vigil, sim, "w2")  # H.265 without audio
    h264_only = re.sub(r"a=rtpmap:(\d+) H265/90000\r\n", "", CHROMIUM_OFFER)
    r = vigil.post(whep_url(cam), data=h264_only, headers=SDP)
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == "no_codec_in_common"
    assert "H.265" in err["message"] or "h265" in err["message"].lower()


@pytest.mark.parametrize("body,ctype,status,code", [
    (CHROMIUM_OFFER, "application/json", 415, "unsupported_media_type"),
    ("", "application/sdp", 400, "bad_offer"),
    ("hello", "application/sdp", 400, "bad_offer"),
    ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video x UDP/TLS/RTP/SAVPF 96\r\n",
     "application/sdp", 400, "bad_offer"),
    (re.sub(r"a=ice-(ufrag|pwd):.*\r\n", "", CHROMIUM_OFFER), "application/sdp", 400,
     "bad_offer"),
    (CHROMIUM_OFFER.replace("a=setup:actpass", "a=setup:passive"), "application/sdp", 400,
     "bad_offer"),
])
def test_bad_offers_get_4xx_with_a_reason(vigil, sim, body, ctype, status, code):
    cam, _ = live_camera(vigil, sim, "w4")
    r = vigil.post(whep_url(cam), data=body, headers={"Content-Type": ctype})
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code
    assert err["message"]


def test_unknown_path_and_unknown_session_are_404(vigil, sim):
    r = vigil.post("/whep/cam_999", data=CHROMIUM_OFFER, headers=SDP)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    cam, _ = live_camera(vigil, sim, "w4")
    assert vigil.delete(f"{whep_url(cam)}/0123456789abcdef0123456789abcdef").status_code == 404
    r = vigil.patch(f"{whep_url(cam)}/nope", data="a=end-of-candidates\r\n",
                    headers={"Content-Type": "application/trickle-ice-sdpfrag"})
    assert r.status_code == 404


def test_trickle_patch_and_cors_preflight(vigil, sim):
    cam, _ = live_camera(vigil, sim, "w4")
    r = vigil.request("OPTIONS", whep_url(cam),
                      headers={"Origin": "http://example.test",
                               "Access-Control-Request-Method": "POST",
                               "Access-Control-Request-Headers": "content-type"})
    assert r.status_code == 204
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert r.headers["Access-Control-Allow-Headers"] == "content-type"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = vigil.post(whep_url(cam), data=CHROMIUM_OFFER, headers=SDP)
    loc, etag = r.headers["Location"], r.headers["ETag"]
    frag = "a=ice-ufrag:g01c\r\na=ice-pwd:FrwArKFlKBCCpLwDQxL1y6iZ\r\na=end-of-candidates\r\n"
    assert vigil.patch(loc, data=frag, headers={
        "Content-Type": "application/trickle-ice-sdpfrag", "If-Match": etag}).status_code == 204
    assert vigil.patch(loc, data=frag, headers={
        "Content-Type": "application/trickle-ice-sdpfrag", "If-Match": '"other"'}).status_code == 412
    assert vigil.patch(loc, data=frag, headers={"Content-Type": "text/plain"}).status_code == 415
    # An ICE restart (If-Match: *, or new credentials) is refused: post a new offer.
    r = vigil.patch(loc, data=frag, headers={
        "Content-Type": "application/trickle-ice-sdpfrag", "If-Match": "*"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "ice_restart_unsupported"
    r = vigil.patch(loc, data=frag.replace("g01c", "n3w1"), headers={
        "Content-Type": "application/trickle-ice-sdpfrag"})
    assert r.status_code == 422
    assert vigil.delete(loc).status_code == 204


def test_offer_to_an_on_demand_camera_starts_it_and_waits_for_its_tracks(vigil, sim):
    cam = vigil.create_camera(name="od", stream_url=sim.url("w4"))
    st = vigil.start_stream(cam["id"], on_demand=True)
    assert vigil.get(f"/api/streams/{st['id']}").json()["status"] == "STANDBY"
    t0 = time.monotonic()
    r = vigil.post(whep_url(cam), data=CHROMIUM_OFFER, headers=SDP, timeout=20)
    assert r.status_code == 201, r.text
    assert "H264/90000" in r.text
    assert time.monotonic() - t0 < 6  # answered when the tracks came, not at the start timeout
    vigil.delete(r.headers["Location"])


# ---- ICE-lite, from a STUN client written here (RFC 8489) ----

MAGIC = 0x2112A442


def stun_request(username, password, txid, use_candidate=True, controlled=False):
    attrs = b""

    def attr(t, v):
        return struct.pack("!HH", t, len(v)) + v + b"\0" * (-len(v) % 4)

    attrs += attr(0x0006, username.encode())
    attrs += attr(0x0024, struct.pack("!I", 0x6E7F1EFF))           # PRIORITY
    if controlled:
        attrs += attr(0x8029, os.urandom(8))                        # ICE-CONTROLLED
    else:
        attrs += attr(0x802A, os.urandom(8))                        # ICE-CONTROLLING
    if use_candidate:
        attrs += attr(0x0025, b"")                                  # USE-CANDIDATE
    # MESSAGE-INTEGRITY over the message with the length counting it (RFC 8489 14.5)
    head = struct.pack("!HHI", 0x0001, len(attrs) + 24, MAGIC) + txid
    mac = hmac.new(password.encode(), head + attrs, hashlib.sha1).digest()
    attrs += attr(0x0008, mac)
    head = struct.pack("!HHI", 0x0001, len(attrs) + 8, MAGIC) + txid
    crc = (zlib.crc32(head + attrs) ^ 0x5354554E) & 0xFFFFFFFF
    attrs += attr(0x8028, struct.pack("!I", crc))
    return struct.pack("!HHI", 0x0001, len(attrs), MAGIC) + txid + attrs


def stun_parse(data):
    mtype, length, magic = struct.unpack("!HHI", data[:8])
    assert magic == MAGIC and length + 20 == len(data)
    attrs, i = {}, 20
    while i < len(data):
        t, l = struct.unpack("!HH", data[i:i + 4])
        attrs[t] = (i, data[i + 4:i + 4 + l])
        i += 4 + l + (-l % 4)
    return mtype, data[8:20], attrs


def check_integrity(data, attrs, password):
    off, mac = attrs[0x0008]
    head = bytearray(data[:off])
    struct.pack_into("!H", head, 2, off + 24 - 20)
    return hmac.new(password.encode(), bytes(head), hashlib.sha1).digest() == mac


def answer_ice(answer):
    ufrag = re.search(r"a=ice-ufrag:(\S+)", answer).group(1)
    pwd = re.search(r"a=ice-pwd:(\S+)", answer).group(1)
    m = re.search(r"a=candidate:\S+ 1 udp \d+ (\S+) (\d+) typ host", answer)
    return ufrag, pwd, (m.group(1), int(m.group(2)))


def test_stun_checks_are_answered_with_the_mapped_address_and_integrity(vigil, sim):
    cam, _ = live_camera(vigil, sim, "w4")
    r = vigil.post(whep_url(cam), data=CHROMIUM_OFFER, headers=SDP)
    assert r.status_code == 201
    ufrag, pwd, addr = answer_ice(r.text)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.settimeout(3)
        txid = os.urandom(12)
        s.sendto(stun_request(f"{ufrag}:g01c", pwd, txid), addr)
        data, _ = s.recvfrom(2048)
        mtype, rtxid, attrs = stun_parse(data)
        assert mtype == 0x0101 and rtxid == txid           # Binding success
        assert check_integrity(data, attrs, pwd)
        _, xma = attrs[0x0020]                             # XOR-MAPPED-ADDRESS
        port = struct.unpack("!H", xma[2:4])[0] ^ (MAGIC >> 16)
        ip = bytes(b ^ m for b, m in zip(xma[4:8], struct.pack("!I", MAGIC)))
        assert (socket.inet_ntoa(ip), port) == s.getsockname()
        off, fp = attrs[0x8028]
        assert struct.unpack("!I", fp)[0] == (zlib.crc32(data[:off]) ^ 0x5354554E) & 0xFFFFFFFF

        # A wrong password gets 401 and no session is touched.
        before = sessions(vigil)["stun_rejected"]
        s.sendto(stun_request(f"{ufrag}:g01c", "wrong-password-123456", os.urandom(12)), addr)
        data, _ = s.recvfrom(2048)
        mtype, _, attrs = stun_parse(data)
        assert mtype == 0x0111
        code = attrs[0x0009][1]
        assert code[2] * 100 + code[3] == 401
        assert sessions(vigil)["stun_rejected"] == before + 1

        # A peer that also claims to be controlled gets 487 Role Conflict.
        s.sendto(stun_request(f"{ufrag}:g01c", pwd, os.urandom(12), controlled=True), addr)
        data, _ = s.recvfrom(2048)
        mtype, _, attrs = stun_parse(data)
        assert mtype == 0x0111 and attrs[0x0009][1][3] == 87
    vigil.delete(r.headers["Location"])


def test_garbage_datagrams_are_ignored_and_counted(vigil, sim):
    cam, _ = live_camera(vigil, sim, "w4")
    port = int(sessions(vigil)["udp_address"].rsplit(":", 1)[1])
    before = sessions(vigil)["datagrams_ignored"]
    junk = [b"", b"\x00", b"\x00\x01\x00\x00" + b"\x21\x12\xa4\x42" + b"x" * 12,
            os.urandom(1200), b"\x16\xfe\xfd" + os.urandom(40), b"\x80\xc8" + os.urandom(60),
            b"\x00\x01\x00\x08\x21\x12\xa4\x42" + os.urandom(12) + b"\x00\x06\x00\x40abcd"]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _ in range(20):
            for j in junk:
                s.sendto(j, ("127.0.0.1", port))
    wait_for(lambda: sessions(vigil)["datagrams_ignored"] >= before + 100, 5,
             "the datagrams to be counted")
    # Still serving: a new offer is answered.
    r = vigil.post(whep_url(cam), data=CHROMIUM_OFFER, headers=SDP)
    assert r.status_code == 201
    vigil.delete(r.headers["Location"])


# ---- many viewers, with the scripted client of bench/webrtc ----

def whep_load_binary():
    from conftest import vigil_binary
    path = Path(vigil_binary()).parent / "whep_load"
    assert path.exists(), f"{path} is missing (it is built with vigil: cmake --build)"
    return path


def test_twenty_scripted_viewers_get_every_packet_authenticated(vigil, sim):
    """whep_load (bench/webrtc) is a WebRTC viewer built from vigil's own STUN,
    DTLS and SRTP modules: 20 of them complete ICE and DTLS, and every SRTP
    packet they receive authenticates, with no sequence gaps."""
    cam, _ = live_camera(vigil, sim, "w1")
    out = subprocess.run([str(whep_load_binary()), "--url", vigil.url(whep_url(cam)),
                          "--sessions", "20", "--seconds", "4", "--json"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    assert r["sessions_connected"] == 20, r["failures"]
    w = r["window"]
    assert w["lost_packets"] == 0 and w["srtp_auth_failures"] == 0
    assert w["mbps_per_session"]["min"] > 2  # the camera's ~3 Mbit/s, to each of them
    assert w["video_fps_per_session"]["min"] > 20
    assert r["deleted"] == 20
    wait_for(lambda: sessions(vigil)["session_count"] == 0, 5, "no session left")
