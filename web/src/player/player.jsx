// <Player path="cam_1" mode="auto|webrtc|hls" />: one live path, played over
// WebRTC (WHEP, about 0.1 s behind the camera) or LL-HLS (about 1 s).
//
// auto: WebRTC first; if it fails (the offer is refused, ICE or DTLS fails, or
// no frame is decoded within 6 s of the answer) the player falls back to LL-HLS
// by itself and says why. A failure that will repeat (UDP blocked: ICE never
// connected; no codec in common) keeps auto on HLS; any other one (the camera
// was not live, or was slow to send its first frame over a connected session)
// lets the next attempt try WebRTC again. A manual choice (the WebRTC / HLS
// buttons) overrides auto.
//
// It recovers by itself: a dropped WebRTC session is started again, HLS errors
// go through hls.js's recovery and then a reload, and every retry waits longer
// (1, 2, 4 ... 30 s), so a camera that stops and comes back plays again.
//
// For tests the root carries data-mode (webrtc|hls), data-state
// (connecting|playing|error|fallback: "fallback" is HLS playing because WebRTC
// failed), data-latency-ms (from vigil receiving a frame to showing it, when
// known), data-buffer-ms
// (WebRTC's jitter buffer, when the capture time is not known) and data-fps;
// the <video> has class live-video.
import { useEffect, useRef, useState } from 'preact/hooks';
import { startWhep, WhepError } from './whep.js';
import { loadHls } from './load_hls.js';
import { hlsErrorInfo } from './hls_errors.js';
import { fps as fmtFps } from '../format.js';
import './player.css';

export const PLAYER_MODES = ['auto', 'webrtc', 'hls'];
const MODE_BUTTONS = [
  { id: 'auto', label: 'Auto', title: 'WebRTC, falling back to LL-HLS' },
  { id: 'webrtc', label: 'WebRTC', title: 'WebRTC only (lowest latency)' },
  { id: 'hls', label: 'HLS', title: 'LL-HLS only (works where UDP is blocked)' },
];

const WEBRTC_FIRST_FRAME_MS = 6000; // after vigil's answer
// HLS answers its first playlist once a segment is complete (up to a key-frame
// interval), and an on-demand camera first has to start (up to 10 s).
const HLS_FIRST_FRAME_MS = 20000;
const STALL_MS = 10000; // playing, and no new frame for this long: start again
const STALL_NOTICE_MS = 2500; // ... and this long: say that no video comes
const FPS_WARMUP_MS = 1500;
const BACKOFF_S = [1, 2, 4, 8, 15, 30];
const HEALTHY_MS = 20000; // playing this long resets the backoff
const MAX_PLAUSIBLE_LATENCY_MS = 60000;

function describeError(e) {
  return (e && e.message) || String(e);
}

// hls.js's error as words, with vigil's own message when its JSON body is at hand.
function describeHlsError(data) {
  const { status: code, apiError, details } = hlsErrorInfo(data);
  if (apiError && apiError.message) return `${apiError.message} (${code})`;
  if (code === 404) return 'the camera is not live (404)';
  if (code === 429) return 'too many viewers on this camera (429)';
  if (code === 503) return 'the stream is unavailable (503)';
  if (code) return `${details} (HTTP ${code})`;
  return details || 'playback error';
}

// Plays one path into one <video>, and reports what it does through `emit`.
// One engine per (path, mode); the component makes a new one when either changes.
class LiveEngine {
  constructor(video, path, mode, emit) {
    this.video = video;
    this.path = path;
    this.mode = mode;
    this.emit = emit;
    this.gen = 0; // bumped by every start and teardown: late callbacks of older attempts see a mismatch
    this.failures = 0;
    this.webrtcBroken = false; // auto: WebRTC failed in a way that will repeat; stay on HLS
    this.fallbackReason = null;
    this.whep = null;
    this.hls = null;
    this.retryTimer = null;
    this.tickTimer = null;
    this.status = { mode: mode === 'hls' ? 'hls' : 'webrtc', state: 'connecting', message: '', notice: '', retryIn: 0 };
    this.onPageHide = () => this.teardown();
    // Back from the back/forward cache: the sessions ended at pagehide, start again.
    this.onPageShow = (e) => {
      if (e.persisted) this.retryNow();
    };
  }

  set(patch) {
    this.status = { ...this.status, ...patch };
    if (!this.dead) this.emit(this.status);
  }

  start() {
    // Leaving the page entirely runs no unmount: end the sessions here too.
    addEventListener('pagehide', this.onPageHide);
    addEventListener('pageshow', this.onPageShow);
    this.connect();
  }

  destroy() {
    this.dead = true;
    removeEventListener('pagehide', this.onPageHide);
    removeEventListener('pageshow', this.onPageShow);
    this.teardown();
  }

  // Stops whatever is playing or waiting, so a new attempt starts clean.
  teardown() {
    this.gen++;
    clearTimeout(this.retryTimer);
    clearTimeout(this.tickTimer);
    this.retryTimer = this.tickTimer = null;
    if (this.abort) this.abort.abort(); // an offer still in flight
    this.abort = null;
    if (this.whep) this.whep.close();
    this.whep = null;
    if (this.hls) this.hls.destroy();
    this.hls = null;
    const v = this.video;
    if (v.srcObject) v.srcObject = null;
    if (v.getAttribute('src')) {
      v.removeAttribute('src');
      v.load();
    }
    v.onerror = null;
  }

  connect() {
    if (this.dead) return;
    this.teardown();
    const useWebrtc = this.mode === 'webrtc' || (this.mode === 'auto' && !this.webrtcBroken);
    if (useWebrtc) this.startWebrtc();
    else this.startHls(this.mode === 'auto' ? this.fallbackReason : null);
  }

  retryNow() {
    if (this.dead) return;
    this.failures = 0;
    this.connect();
  }

  // A camera came back (the view saw its stream RUNNING): a player waiting to retry goes now.
  nudge() {
    if (this.retryTimer) this.retryNow();
  }

  scheduleRetry(message) {
    const delay = BACKOFF_S[Math.min(this.failures, BACKOFF_S.length - 1)];
    this.failures++;
    this.teardown();
    this.set({ state: 'error', message, retryIn: delay, latencyMs: null, bufferMs: null, fps: null, stalledS: 0 });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay * 1000);
  }

  // Playing, but no new frame for a while: say so (the state stays "playing"
  // until STALL_MS, when the player starts again).
  showStall(ms) {
    const stalled = ms >= STALL_NOTICE_MS ? Math.floor(ms / 1000) : 0;
    if (stalled !== (this.status.stalledS || 0)) this.set({ stalledS: stalled });
  }

  play() {
    const v = this.video;
    const p = v.play();
    if (p && p.catch) {
      p.catch((e) => {
        // Autoplay with sound refused (no user gesture yet): play muted instead.
        if (e.name === 'NotAllowedError' && !v.muted) {
          v.muted = true;
          this.set({ forcedMute: true });
          v.play().catch(() => {});
        }
      });
    }
  }

  // ---- WebRTC ----

  async startWebrtc() {
    const gen = ++this.gen;
    this.set({ mode: 'webrtc', state: 'connecting', message: 'Connecting over WebRTC…', notice: '', width: 0, height: 0, fps: null, latencyMs: null, bufferMs: null, stalledS: 0 });
    const onFailure = (err) => {
      if (gen === this.gen) this.webrtcFailed(err, this.playing);
    };
    this.playing = false;
    const abort = new AbortController();
    this.abort = abort;
    let session;
    try {
      session = await startWhep(`/whep/${encodeURIComponent(this.path)}`, this.video, { signal: abort.signal, onFailure });
    } catch (e) {
      if (gen === this.gen) this.webrtcFailed(e, false);
      return;
    }
    if (gen !== this.gen) {
      session.close(); // torn down while the answer came
      return;
    }
    this.abort = null;
    this.whep = session;
    this.play();
    const w = { started: Date.now(), frames: 0, framesAt: Date.now(), playingSince: 0, prev: null };
    const tick = async () => {
      let report;
      try {
        report = await session.pc.getStats();
      } catch {
        report = null;
      }
      if (gen !== this.gen) return;
      this.webrtcTick(report, w);
      if (gen !== this.gen) return; // the tick failed the session
      this.tickTimer = setTimeout(tick, this.playing ? 1000 : 250);
    };
    this.tickTimer = setTimeout(tick, 250);
  }

  webrtcTick(report, w) {
    let v = null;
    let sr = null; // what the last RTCP sender report of the video said
    if (report) {
      report.forEach((s) => {
        if (s.type === 'inbound-rtp' && (s.kind || s.mediaType) === 'video') v = s;
        if (s.type === 'remote-outbound-rtp' && (s.kind || s.mediaType) === 'video') sr = s;
      });
    }
    const now = Date.now();
    const frames = (v && v.framesDecoded) || 0;
    // A hidden tab may get no frames decoded: that is not the camera's fault,
    // so neither the first-frame nor the stall clock runs while it is hidden.
    if (frames > w.frames || document.hidden) {
      w.frames = frames;
      w.framesAt = now;
    }
    if (document.hidden && !this.playing) w.started = now;
    if (!this.playing) {
      if (frames > 0 || this.video.readyState >= 2) {
        this.playing = true;
        this.webrtcWorked = true;
        w.playingSince = now;
        w.framesAt = now;
        this.set({ state: 'playing', message: '' });
      } else if (now - w.started > WEBRTC_FIRST_FRAME_MS) {
        // Say which step did not happen: ICE (UDP does not pass), DTLS, or the video itself.
        const pc = this.whep && this.whep.pc;
        const ice = pc ? pc.iceConnectionState : '';
        const secs = WEBRTC_FIRST_FRAME_MS / 1000;
        let why = `no video frame decoded within ${secs} s`;
        if (ice === 'new' || ice === 'checking') why = `ICE did not connect within ${secs} s (UDP to vigil blocked?)`;
        else if (pc && pc.connectionState === 'connecting') why = `the DTLS handshake did not complete within ${secs} s`;
        // Only a path that never connected will fail the same way next time.
        // Once ICE connected, a late first frame is a slow camera (or a
        // throttled tab): HLS now, but the next attempt tries WebRTC again.
        const sticky = !(this.whep && this.whep.connected);
        this.webrtcFailed(new WhepError(why, { code: 'no_frames', sticky }), false);
        return;
      } else {
        return;
      }
    }
    if (now - w.framesAt > STALL_MS) {
      this.webrtcFailed(new WhepError(`no video for ${STALL_MS / 1000} s`, { code: 'stalled' }), true);
      return;
    }
    if (w.playingSince && now - w.playingSince > HEALTHY_MS) this.failures = 0;
    this.showStall(now - w.framesAt);

    // fps: the browser's own figure, else decoded frames over the interval.
    let fps = v && typeof v.framesPerSecond === 'number' ? v.framesPerSecond : null;
    if (fps === null && w.prev && v && now > w.prev.at) fps = ((v.framesDecoded - w.prev.frames) * 1000) / (now - w.prev.at);

    // Latency, from vigil receiving a frame to it being shown. vigil's RTCP
    // sender reports carry the capture wall clock of the frame they map
    // (docs/webrtc.md), so `timestamp - remoteTimestamp` of the video's
    // remote-outbound-rtp stats is the time from vigil's ingest to this
    // browser's receipt; the frame then waits in the jitter buffer and is
    // decoded (inbound-rtp, averaged over the last tick). Chromium reports
    // estimatedPlayoutTimestamp only for audio, and not every camera has it.
    // Without a sender report yet, the jitter buffer is all we know, and it is
    // shown as such, not as latency.
    let latencyMs = null;
    let bufferMs = null;
    if (v && v.jitterBufferEmittedCount) {
      const p = w.prev;
      const dCount = p ? v.jitterBufferEmittedCount - p.emitted : 0;
      bufferMs = dCount > 0
        ? ((v.jitterBufferDelay - p.delay) / dCount) * 1000
        : (v.jitterBufferDelay / v.jitterBufferEmittedCount) * 1000;
    }
    if (v && sr && typeof sr.remoteTimestamp === 'number' && bufferMs !== null) {
      const p = w.prev;
      const dFrames = p ? (v.framesDecoded || 0) - p.frames : 0;
      const decodeMs = dFrames > 0 && typeof v.totalDecodeTime === 'number'
        ? ((v.totalDecodeTime - p.decode) / dFrames) * 1000 : 0;
      const lat = sr.timestamp - sr.remoteTimestamp + bufferMs + decodeMs;
      if (lat >= 0 && lat <= MAX_PLAUSIBLE_LATENCY_MS) {
        latencyMs = lat;
        bufferMs = null;
      }
    }
    if (v) w.prev = { at: now, frames: v.framesDecoded || 0, emitted: v.jitterBufferEmittedCount || 0, delay: v.jitterBufferDelay || 0, decode: v.totalDecodeTime || 0 };
    // The first second is the cached GOP sent at once: its rate says nothing about the camera.
    if (now - w.playingSince < FPS_WARMUP_MS) fps = null;
    this.set({
      width: (v && v.frameWidth) || this.video.videoWidth,
      height: (v && v.frameHeight) || this.video.videoHeight,
      fps,
      latencyMs,
      bufferMs,
    });
  }

  webrtcFailed(err, wasPlaying) {
    const reason = describeError(err);
    this.teardown();
    // auto falls back to LL-HLS when WebRTC has not worked in this player, or
    // failed in a way that will repeat (UDP blocked). Once it has worked, a
    // refusal from vigil (the camera is down: 404, 503) would refuse HLS just
    // the same, so WebRTC is tried again instead and comes back with the camera.
    if (this.mode === 'auto' && !wasPlaying && (!this.webrtcWorked || (err && err.sticky))) {
      if (err && err.sticky) this.webrtcBroken = true;
      this.fallbackReason = reason;
      this.startHls(reason);
      return;
    }
    this.scheduleRetry(wasPlaying ? `WebRTC session ended: ${reason}` : `WebRTC failed: ${reason}`);
  }

  // ---- LL-HLS ----

  async startHls(fallbackReason) {
    const gen = ++this.gen;
    const why = fallbackReason ? `WebRTC failed: ${fallbackReason}; ` : '';
    this.set({
      mode: 'hls',
      state: 'connecting',
      message: fallbackReason ? `${why}connecting over LL-HLS…` : 'Connecting over LL-HLS…',
      notice: fallbackReason ? `${why}playing LL-HLS` : '',
      width: 0,
      height: 0,
      fps: null,
      latencyMs: null,
      bufferMs: null,
      stalledS: 0,
    });
    this.playing = false;
    const url = `/hls/${encodeURIComponent(this.path)}/index.m3u8`;
    const v = this.video;
    let Hls = null;
    try {
      Hls = await loadHls();
    } catch {
      Hls = null; // the chunk did not load: native HLS may still do
    }
    if (gen !== this.gen) return;
    let native = false;
    if (Hls && Hls.isSupported()) {
      const hls = new Hls({
        lowLatencyMode: true,
        backBufferLength: 30,
        // Catch up (up to 1.25x) when playback falls behind the live edge.
        maxLiveSyncPlaybackRate: 1.25,
      });
      this.hls = hls;
      this.recoveries = { media: 0, network: 0 };
      hls.on(Hls.Events.ERROR, (_evt, data) => {
        if (gen === this.gen) this.hlsError(Hls, hls, data);
      });
      hls.attachMedia(v);
      hls.loadSource(url);
    } else if (v.canPlayType('application/vnd.apple.mpegurl')) {
      // Safari on iOS (before MSE): the browser plays HLS itself.
      native = true;
      v.onerror = () => {
        if (gen === this.gen) this.scheduleRetry(`LL-HLS failed: ${(v.error && v.error.message) || 'the browser could not play the stream'}`);
      };
      v.src = url;
    } else {
      this.teardown();
      this.set({ state: 'error', message: 'This browser plays neither WebRTC nor HLS.', retryIn: 0 });
      return;
    }
    this.play();
    const w = { started: Date.now(), lastTime: -1, timeAt: Date.now(), playingSince: 0, prev: null };
    const tick = () => {
      if (gen !== this.gen) return;
      this.hlsTick(w, native);
      if (gen !== this.gen) return;
      this.tickTimer = setTimeout(tick, this.playing ? 1000 : 250);
    };
    this.tickTimer = setTimeout(tick, 250);
  }

  hlsError(Hls, hls, data) {
    if (!data.fatal) return;
    const r = this.recoveries;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && r.media < 2) {
      // A decoding hiccup (e.g. the camera came back with other parameters).
      r.media++;
      hls.recoverMediaError();
      return;
    }
    const manifest = /^manifest/.test(data.details || '');
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR && !manifest && this.playing && r.network < 2) {
      // hls.js gave up on a fragment or playlist after its own retries: one more go.
      r.network++;
      hls.startLoad();
      return;
    }
    this.hlsFailed(describeHlsError(data));
  }

  hlsFailed(reason) {
    const prefix = this.fallbackReason && this.mode === 'auto' ? `WebRTC failed: ${this.fallbackReason}; ` : '';
    this.scheduleRetry(`${prefix}LL-HLS failed: ${reason}`);
  }

  hlsTick(w, native) {
    const v = this.video;
    const now = Date.now();
    const t = v.currentTime;
    // A paused video (the browser pauses muted video it does not show, in
    // some cases) or a hidden tab is not stalled: play on, and count from now.
    if (t !== w.lastTime || document.hidden || (this.playing && v.paused)) {
      if (this.playing && v.paused && !document.hidden) this.play();
      w.lastTime = t;
      w.timeAt = now;
    }
    if (!this.playing) {
      // Playing means a frame is up and currentTime moved between two ticks.
      if (v.readyState >= 2 && !v.paused && w.firstTime !== undefined && t > w.firstTime) {
        this.playing = true;
        w.playingSince = now;
        this.set({ state: this.status.notice ? 'fallback' : 'playing', message: '' });
      } else if (now - w.started > HLS_FIRST_FRAME_MS) {
        this.hlsFailed(`no picture within ${HLS_FIRST_FRAME_MS / 1000} s`);
        return;
      } else {
        if (v.readyState >= 2 && v.paused) this.play();
        if (v.readyState >= 2 && w.firstTime === undefined) w.firstTime = t;
        return;
      }
    }
    if (now - w.timeAt > STALL_MS && !document.hidden) {
      this.hlsFailed(`playback stalled for ${STALL_MS / 1000} s`);
      return;
    }
    if (w.playingSince && now - w.playingSince > HEALTHY_MS) this.failures = 0;
    this.showStall(now - w.timeAt);

    // Latency: EXT-X-PROGRAM-DATE-TIME is the capture wall clock (docs/hls.md).
    let latencyMs = null;
    let playing = null;
    if (this.hls && this.hls.playingDate) playing = this.hls.playingDate.getTime();
    else if (native && v.getStartDate) {
      const start = v.getStartDate().getTime();
      if (!isNaN(start) && start > 0) playing = start + t * 1000;
    }
    if (playing !== null) {
      const lat = now - playing;
      if (lat >= 0 && lat <= MAX_PLAUSIBLE_LATENCY_MS * 5) latencyMs = lat;
    }
    // fps: frames shown (decoded minus dropped) per second.
    let fps = null;
    const q = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : null;
    const frames = q ? q.totalVideoFrames - q.droppedVideoFrames : null;
    if (frames !== null && w.prev && now > w.prev.at && frames >= w.prev.frames) {
      fps = ((frames - w.prev.frames) * 1000) / (now - w.prev.at);
    }
    if (frames !== null) w.prev = { at: now, frames };
    this.set({ width: v.videoWidth, height: v.videoHeight, fps, latencyMs, bufferMs: null });
  }
}

const MODE_NAMES = { webrtc: 'WebRTC', hls: 'LL-HLS' };

function fmtMs(ms) {
  return ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

// The overlay: mode, resolution, fps and latency (or the jitter buffer).
function Overlay({ st, compact }) {
  const res = st.width && st.height ? `${st.width}×${st.height}` : null;
  let lat = null;
  if (st.latencyMs !== null && st.latencyMs !== undefined) lat = `latency ${fmtMs(st.latencyMs)}`;
  else if (st.bufferMs !== null && st.bufferMs !== undefined) lat = `buffer ${fmtMs(st.bufferMs)}`;
  const live = st.state === 'playing' || st.state === 'fallback';
  if (compact) {
    return (
      <div class="player-overlay player-overlay-compact">
        <span class="player-overlay-mode">{MODE_NAMES[st.mode]}</span>
        {live && <span>{fmtFps(st.fps)}</span>}
        {live && lat && <span>{lat.replace(/^latency /, '')}</span>}
      </div>
    );
  }
  return (
    <div class="player-overlay">
      <div class="player-overlay-mode">
        {MODE_NAMES[st.mode]}
        {st.state === 'fallback' ? ' (fallback)' : ''}
      </div>
      {live && (
        <>
          <div>
            {res || '—'} · {fmtFps(st.fps)}
          </div>
          <div title={lat && lat.startsWith('buffer') ? 'The capture time is not known: this is the jitter buffer delay, not the whole latency' : 'From vigil receiving a frame from the camera to it being shown'}>
            {lat || 'latency —'}
          </div>
        </>
      )}
    </div>
  );
}

// Props:
//   path          the live path, "cam_1"
//   mode          "auto" (default), "webrtc" or "hls"
//   onModeChange  called with the mode the user picked; without it the player keeps the choice itself
//   muted         start muted (default true: browsers only autoplay muted video)
//   controls      show the control bar (mode switch, sound, stats) (default true; not in compact)
//   compact       small overlay, no control bar (multi-view cells)
//   label         what is playing, for the video's accessible name ("Front door")
//   nudge         a new truthy value makes a player that waits to retry go now (the camera is back)
//   children      extra buttons for the control bar (the live view's Fullscreen)
export function Player({ path, mode = 'auto', onModeChange, muted: startMuted = true, controls = true, compact = false, label, nudge, children }) {
  const videoRef = useRef(null);
  const engineRef = useRef(null);
  const [picked, setPicked] = useState(null);
  const [muted, setMuted] = useState(startMuted !== false);
  const [showStats, setShowStats] = useState(true);
  const want = PLAYER_MODES.includes(picked || mode) ? picked || mode : 'auto';
  const [st, setSt] = useState(() => ({ mode: want === 'hls' ? 'hls' : 'webrtc', state: 'connecting', message: '' }));

  // The parent chose a mode (e.g. the URL changed): follow it.
  useEffect(() => setPicked(null), [mode]);

  useEffect(() => {
    const engine = new LiveEngine(videoRef.current, path, want, setSt);
    engineRef.current = engine;
    engine.start();
    return () => {
      engine.destroy();
      if (engineRef.current === engine) engineRef.current = null;
    };
  }, [path, want]);

  useEffect(() => {
    if (nudge && engineRef.current) engineRef.current.nudge();
  }, [nudge]);

  useEffect(() => {
    const v = videoRef.current;
    if (v) v.muted = muted;
  }, [muted]);
  // The engine had to mute (autoplay refused sound): show the button as muted.
  useEffect(() => {
    if (st.forcedMute) setMuted(true);
  }, [st.forcedMute]);

  const choose = (m) => {
    if (onModeChange) onModeChange(m);
    else setPicked(m);
  };

  const showBar = controls && !compact;
  const live = st.state === 'playing' || st.state === 'fallback';
  const round = (x) => (x === null || x === undefined || !isFinite(x) ? undefined : String(Math.round(x)));
  return (
    <div
      class={`player${compact ? ' player-compact' : ''}`}
      data-mode={st.mode}
      data-state={st.state}
      data-latency-ms={live ? round(st.latencyMs) : undefined}
      data-buffer-ms={live ? round(st.bufferMs) : undefined}
      data-fps={live && st.fps !== null && st.fps !== undefined ? (Math.round(st.fps * 10) / 10).toString() : undefined}
    >
      <div class="player-stage">
        <video
          ref={videoRef}
          class="live-video"
          autoplay
          playsInline
          muted={muted}
          aria-label={label ? `Live video of ${label}` : 'Live video'}
        />
        {(showStats || compact) && <Overlay st={st} compact={compact} />}
        {!live && (
          <div class={`player-message player-message-${st.state}`} role="status">
            {st.state === 'connecting' && <span class="player-spinner" aria-hidden="true" />}
            <span>
              {st.message}
              {st.state === 'error' && st.retryIn ? `${/[.!?…]$/.test(st.message) ? '' : '.'} Retrying in ${st.retryIn} s.` : ''}
            </span>
            {st.state === 'error' && !compact && (
              <button type="button" class="btn btn-small" onClick={() => engineRef.current && engineRef.current.retryNow()}>
                Retry now
              </button>
            )}
          </div>
        )}
        {live && st.stalledS > 0 && (
          <div class="player-message player-message-stalled" role="status">
            <span class="player-spinner" aria-hidden="true" />
            <span>Waiting for video from the camera…</span>
          </div>
        )}
      </div>
      {st.notice && live && (
        <p class="player-notice" role="status">
          {st.notice}
        </p>
      )}
      {showBar && (
        <div class="player-bar">
          <div class="player-modes" role="group" aria-label="Playback mode">
            {MODE_BUTTONS.map((m) => (
              <button
                key={m.id}
                type="button"
                class="btn btn-small"
                aria-pressed={want === m.id ? 'true' : 'false'}
                title={m.title}
                onClick={() => choose(m.id)}
              >
                {m.label}
              </button>
            ))}
          </div>
          <button type="button" class="btn btn-small" onClick={() => setMuted(!muted)}>
            {muted ? 'Unmute' : 'Mute'}
          </button>
          <button type="button" class="btn btn-small" aria-pressed={showStats ? 'true' : 'false'} onClick={() => setShowStats(!showStats)}>
            Stats
          </button>
          <span class="player-bar-spacer" />
          {children}
        </div>
      )}
    </div>
  );
}
