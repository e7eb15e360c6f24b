#!/usr/bin/python3
"""Serves one MP4 file (H.264) over RTSP with GStreamer's RTSP server, each
client getting its own playback from the start, with the file's own
timestamps: unlike camsim, whose live feeder stamps frames as it pushes them,
this keeps B-frames' presentation order, so RTP timestamps go back and forth
as a camera with B-frames sends them.

    /usr/bin/python3 tests/tools/file_rtsp_server.py --file clip.mp4 [--port 0]

Prints "READY <port>" once listening, then serves rtsp://127.0.0.1:<port>/clip
until SIGTERM."""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", required=True)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    location = args.file.replace("\\", "\\\\").replace('"', '\\"')
    factory.set_launch(f'( filesrc location="{location}" ! qtdemux ! h264parse config-interval=-1 '
                       "! rtph264pay name=pay0 pt=96 config-interval=1 )")
    server.get_mount_points().add_factory("/clip", factory)
    if server.attach(None) == 0:
        print("ERROR cannot listen", flush=True)
        return 1
    print(f"READY {server.get_bound_port()}", flush=True)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
