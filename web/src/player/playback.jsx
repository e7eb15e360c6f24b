// Plays a camera's recordings (docs/recordings.md, "Playback"): the HLS VOD
// playlist of the files between `start` and `end`, one media segment per
// file with a discontinuity and a PROGRAM-DATE-TIME each, played by hls.js
// (or natively where the browser plays HLS itself, Safari).
//
// The playlist holds whole files, so the first one usually begins before
// `at`: the player starts at `at` itself, found from the fragments' wall
// clocks: currentTime = frag.start + (at − frag.programDateTime) / 1000.
// While it plays it shows the wall-clock time of the picture and reports it
// through onPosition(ms), which the timeline draws as its playback marker.
import { useEffect, useRef, useState } from 'preact/hooks';
import { loadHls } from './load_hls.js';
import { hlsErrorInfo } from './hls_errors.js';
import { dateTime } from '../format.js';

// Where `at` (ms) sits on the playlist's timeline, from its fragments.
// null when the fragments carry no wall clock.
export function positionOf(fragments, at) {
  let best = null;
  for (const f of fragments) {
    if (f.programDateTime === null || f.programDateTime === undefined) continue;
    if (f.programDateTime <= at) best = f;
    else {
      // `at` lies in a gap before this file (or before the first one):
      // the next recorded picture is this file's first.
      if (!best || at >= best.programDateTime + best.duration * 1000) return f.start;
      break;
    }
  }
  if (!best) return null;
  const offset = (at - best.programDateTime) / 1000;
  // Past the end of the last file: its last moment, so the player shows something.
  return best.start + Math.max(0, Math.min(offset, Math.max(0, best.duration - 0.1)));
}

// The wall clock (ms) of a playlist time, the inverse of positionOf.
function wallClockOf(fragments, t) {
  let frag = null;
  for (const f of fragments) {
    if (f.start <= t + 0.001) frag = f;
    else break;
  }
  if (!frag || frag.programDateTime === null || frag.programDateTime === undefined) return null;
  return frag.programDateTime + (t - frag.start) * 1000;
}

// The words for a failed playlist or file load, with the playlist's own JSON
// error (e.g. 404 no_recordings) when hls.js kept its body.
function loadErrorWords(data, rangeWords) {
  const { status: code, apiError, details, isPlaylist } = hlsErrorInfo(data);
  if (apiError && apiError.code === 'no_recordings') return `Nothing was recorded ${rangeWords}.`;
  if (apiError && apiError.code === 'not_found') return 'This camera does not exist.';
  if (apiError) return `The recording could not be loaded: ${apiError.message}.`;
  if (!code) {
    return isPlaylist
      ? 'vigil cannot be reached: the playlist did not load (network error).'
      : 'A recording file could not be loaded (network error).';
  }
  if (!isPlaylist && code === 404) {
    return 'A recording file is gone (HTTP 404): retention may have deleted it since the timeline was loaded.';
  }
  return `The recording could not be loaded (HTTP ${code}${details ? ', ' + details : ''}).`;
}

export function Playback({ cameraId, start, end, at, onPosition, title }) {
  const videoRef = useRef(null);
  const [state, setState] = useState({ phase: 'loading', error: null, note: null });
  const [shownAt, setShownAt] = useState(null); // the wall clock (ms) of the picture on screen
  const [attempt, setAttempt] = useState(0);
  // The callback changes on every render of the parent; the player must not restart for it.
  const onPositionRef = useRef(onPosition);
  onPositionRef.current = onPosition;

  useEffect(() => {
    const video = videoRef.current;
    let hls = null;
    let fragments = [];
    let cancelled = false;
    let lastSecond = null;
    let mediaRecoveries = 0;
    const rangeWords = `between ${dateTime(new Date(start).toISOString())} and ${dateTime(new Date(end).toISOString())}`;
    const url =
      `/api/cameras/${encodeURIComponent(cameraId)}/playback.m3u8` +
      `?start=${encodeURIComponent(new Date(start).toISOString())}` +
      `&end=${encodeURIComponent(new Date(end).toISOString())}`;

    setState({ phase: 'loading', error: null, note: null });
    setShownAt(null);

    const fail = (error) => {
      if (cancelled) return;
      setState({ phase: 'error', error, note: null });
      // An emptied element shows its idle controls, not an endless spinner.
      if (hls) {
        hls.destroy();
        hls = null;
      }
      video.removeAttribute('src');
      video.load();
    };

    // The wall clock of what is on screen: hls.js's own mapping when it has
    // one, else ours from the fragments (native HLS: the stream's start date).
    const report = () => {
      if (cancelled) return;
      let ms = null;
      if (hls) {
        const d = hls.playingDate;
        ms = d ? d.getTime() : wallClockOf(fragments, video.currentTime);
      } else if (video.getStartDate) {
        const d = video.getStartDate();
        if (d && !isNaN(d.getTime())) ms = d.getTime() + video.currentTime * 1000;
      }
      if (ms === null || !isFinite(ms)) return;
      // Once a second is enough for the clock and the 24 h bar.
      const second = Math.floor(ms / 1000);
      if (second === lastSecond) return;
      lastSecond = second;
      setShownAt(ms);
      if (onPositionRef.current) onPositionRef.current(ms);
    };

    const play = () => {
      const p = video.play();
      if (p && p.catch) {
        p.catch((e) => {
          // Autoplay refused (no user gesture in this tab yet): the controls are there.
          if (!cancelled && e.name === 'NotAllowedError') {
            setState((s) => ({ ...s, phase: 'paused', note: 'Press play to start.' }));
          }
        });
      }
    };

    const onPlaying = () => !cancelled && setState({ phase: 'playing', error: null, note: null });
    const onPause = () => !cancelled && !video.ended && setState((s) => (s.phase === 'error' ? s : { ...s, phase: 'paused' }));
    const onEnded = () => !cancelled && setState({ phase: 'ended', error: null, note: 'End of the recordings in this range.' });
    const onWaiting = () => !cancelled && setState((s) => (s.phase === 'error' ? s : { ...s, phase: 'buffering' }));
    video.addEventListener('timeupdate', report);
    video.addEventListener('seeked', report);
    video.addEventListener('playing', onPlaying);
    video.addEventListener('pause', onPause);
    video.addEventListener('ended', onEnded);
    video.addEventListener('waiting', onWaiting);

    loadHls()
      .then((Hls) => {
        if (cancelled) return;
        if (!Hls.isSupported()) {
          if (video.canPlayType('application/vnd.apple.mpegurl')) return playNative();
          fail('This browser cannot play HLS (no Media Source Extensions).');
          return;
        }
        hls = new Hls({
          // A VOD playlist of whole files: no low-latency mode, and no start
          // until the fragments say where `at` is.
          lowLatencyMode: false,
          autoStartLoad: false,
          enableWorker: true,
          maxBufferLength: 30,
          backBufferLength: 60,
        });
        // hls.js triggers MANIFEST_PARSED from inside its own MANIFEST_LOADED
        // handler, before the fragments reach us; LEVEL_LOADED follows with
        // them (a VOD media playlist is loaded once), so loading starts there.
        let started = false;
        hls.on(Hls.Events.LEVEL_LOADED, (_e, data) => {
          if (data.details && data.details.fragments) fragments = data.details.fragments;
          if (started) return;
          started = true;
          const pos = positionOf(fragments, at);
          hls.startLoad(pos === null ? 0 : pos);
          play();
        });
        hls.on(Hls.Events.ERROR, (_e, data) => {
          if (!data.fatal) return;
          if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries < 2) {
            // A decoder hiccup at a discontinuity is usually recoverable.
            mediaRecoveries++;
            hls.recoverMediaError();
            return;
          }
          if (data.type === Hls.ErrorTypes.NETWORK_ERROR) fail(loadErrorWords(data, rangeWords));
          else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
            fail(`The browser cannot decode this recording (${data.details}).`);
          } else fail(`The recording cannot be played (${data.details}).`);
        });
        hls.attachMedia(video);
        hls.loadSource(url);
      })
      .catch((e) => fail('The player could not be loaded: ' + (e && e.message ? e.message : e)));

    // Safari: it reads the playlist itself; its start date is the first
    // file's PROGRAM-DATE-TIME, so `at` is an offset from it (the
    // discontinuities' gaps are not on its timeline, so this is approximate
    // past the first file, exact within it).
    function playNative() {
      const onMeta = async () => {
        const d = video.getStartDate && video.getStartDate();
        if (d && !isNaN(d.getTime())) video.currentTime = Math.max(0, (at - d.getTime()) / 1000);
        play();
      };
      const onErr = async () => {
        // The element says little; ask the playlist for its own words.
        try {
          const res = await fetch(url);
          const body = res.ok ? null : await res.json().catch(() => null);
          if (body && body.error && body.error.code === 'no_recordings') fail(`Nothing was recorded ${rangeWords}.`);
          else if (body && body.error) fail('The recording could not be loaded: ' + body.error.message + '.');
          else fail('The recording cannot be played in this browser.');
        } catch {
          fail('vigil cannot be reached: the playlist did not load (network error).');
        }
      };
      video.addEventListener('loadedmetadata', onMeta, { once: true });
      video.addEventListener('error', onErr, { once: true });
      video.src = url;
    }

    return () => {
      cancelled = true;
      video.removeEventListener('timeupdate', report);
      video.removeEventListener('seeked', report);
      video.removeEventListener('playing', onPlaying);
      video.removeEventListener('pause', onPause);
      video.removeEventListener('ended', onEnded);
      video.removeEventListener('waiting', onWaiting);
      if (hls) hls.destroy();
      hls = null;
      // Let go of the media source (or the native playlist) so nothing keeps loading.
      video.removeAttribute('src');
      video.load();
    };
  }, [cameraId, start, end, at, attempt]);

  const phaseWords = {
    loading: 'Loading…',
    buffering: 'Loading…',
    playing: 'Playing',
    paused: 'Paused',
    ended: 'Ended',
    error: 'Stopped',
  }[state.phase];

  return (
    <div class="playback">
      <video
        ref={videoRef}
        class="playback-video"
        controls
        playsInline
        preload="auto"
        aria-label={title || `Recording of camera ${cameraId}`}
      />
      {!(state.phase === 'error' && shownAt === null) && (
        <div class="playback-info">
          <span class="playback-phase">{phaseWords}</span>
          <span
            class="playback-clock"
            data-testid="playback-clock"
            data-time={shownAt === null ? '' : new Date(shownAt).toISOString()}
          >
            {shownAt === null ? '—' : dateTime(new Date(shownAt).toISOString())}
          </span>
          {state.note && <span class="muted">{state.note}</span>}
        </div>
      )}
      {state.error && (
        <div class="banner banner-error playback-error" role="alert">
          <span>{state.error}</span>
          <button type="button" class="btn btn-small" onClick={() => setAttempt((n) => n + 1)}>
            Retry
          </button>
        </div>
      )}
    </div>
  );
}
