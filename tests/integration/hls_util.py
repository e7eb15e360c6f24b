"""Reading vigil's live HLS the way a player does: playlists parsed by
tag, segments fetched by URI (RFC 8216bis)."""
import re
import time


def parse_attrs(text):
    """`KEY=VALUE,KEY="quoted, value"` into a dict."""
    return {k: v.strip('"') for k, v in re.findall(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)', text)}


def parse_media(text):
    """A media playlist as a dict: header values and a list of segments with their parts."""
    lines = text.splitlines()
    assert lines[0] == "#EXTM3U", text[:200]
    pl = {"segments": [], "parts_in_progress": [], "preload_hint": None, "tags": set()}
    parts, seg = [], {}
    for line in lines[1:]:
        if line.startswith("#"):
            tag, _, value = line[1:].partition(":")
            pl["tags"].add(tag)
        if line.startswith("#EXT-X-TARGETDURATION:"):
            pl["target"] = int(line.split(":")[1])
        elif line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            pl["media_sequence"] = int(line.split(":")[1])
        elif line.startswith("#EXT-X-PART-INF:"):
            pl["part_target"] = float(parse_attrs(line.split(":", 1)[1])["PART-TARGET"])
        elif line.startswith("#EXT-X-SERVER-CONTROL:"):
            pl["server_control"] = parse_attrs(line.split(":", 1)[1])
        elif line.startswith("#EXT-X-MAP:"):
            seg["map"] = parse_attrs(line.split(":", 1)[1])["URI"]
        elif line == "#EXT-X-DISCONTINUITY":
            seg["discontinuity"] = True
        elif line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            seg["date"] = line.split(":", 1)[1]
        elif line.startswith("#EXT-X-PART:"):
            a = parse_attrs(line.split(":", 1)[1])
            parts.append({"duration": float(a["DURATION"]), "uri": a["URI"],
                          "independent": a.get("INDEPENDENT") == "YES"})
        elif line.startswith("#EXTINF:"):
            seg["duration"] = float(line.split(":")[1].rstrip(","))
        elif line.startswith("#EXT-X-PRELOAD-HINT:"):
            pl["preload_hint"] = parse_attrs(line.split(":", 1)[1])
        elif line and not line.startswith("#"):
            seg.update(uri=line, parts=parts, msn=pl["media_sequence"] + len(pl["segments"]))
            pl["segments"].append(seg)
            parts, seg = [], {"map": seg.get("map")}
    pl["parts_in_progress"] = parts
    # Maps carry over to the next segments until another EXT-X-MAP.
    current = None
    for s in pl["segments"]:
        current = s.get("map") or current
        s["map"] = current
    return pl


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not {what} within {timeout}s")


def media_uri(server, path):
    """The multivariant playlist's variant URI (with its session)."""
    r = server.get(f"/hls/{path}/index.m3u8", timeout=20)
    assert r.status_code == 200, r.text
    uri = [l for l in r.text.splitlines() if l and not l.startswith("#")][0]
    return f"/hls/{path}/{uri}"
