// #/live/{id}?mode=auto|webrtc|hls: one camera live, with its stream's status,
// Fullscreen, Snapshot, Recordings and the way back. A camera without a live
// stream says so and offers to start one.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post, liveStreamOf } from '../api.js';
import { href, navigate } from '../router.js';
import { usePoll, useTitle } from '../hooks.js';
import { StatusBadge, ErrorBanner } from '../components/common.jsx';
import { fps as fmtFps, kbps, plural } from '../format.js';
import { Player, PLAYER_MODES } from '../player/player.jsx';
import './live.css';

function useFullscreen(ref) {
  const [on, setOn] = useState(false);
  useEffect(() => {
    const update = () => setOn(!!ref.current && document.fullscreenElement === ref.current);
    document.addEventListener('fullscreenchange', update);
    return () => document.removeEventListener('fullscreenchange', update);
  }, []);
  const toggle = () => {
    // Escape leaves fullscreen by itself (the browser's own key); the button does too.
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else if (ref.current) ref.current.requestFullscreen().catch(() => {});
  };
  return [on, toggle];
}

export function LiveView({ id, query }) {
  const cam = usePoll((signal) => get(`/api/cameras/${encodeURIComponent(id)}`, { signal }), 30000, [id]);
  const live = usePoll((signal) => liveStreamOf(id, signal), 5000, [id]);
  const camera = cam.data;
  const stream = live.data;
  useTitle(camera ? `${camera.name} live` : 'Live');

  const requested = query.get('mode');
  const mode = PLAYER_MODES.includes(requested) ? requested : 'auto';
  const setMode = (m) => {
    // Keep the rest of the query; auto is the default and needs no parameter.
    const params = Object.fromEntries(query.entries());
    if (m === 'auto') delete params.mode;
    else params.mode = m;
    navigate(`live/${encodeURIComponent(id)}`, params, { replace: true });
  };

  const stageRef = useRef(null);
  const [isFull, toggleFull] = useFullscreen(stageRef);
  const canFull = typeof document !== 'undefined' && document.fullscreenEnabled;

  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState(null);
  const startStream = async () => {
    setStarting(true);
    setStartError(null);
    try {
      await post('/api/streams/start', { camera_id: Number(id) });
    } catch (e) {
      // 409: it has a live stream already (started elsewhere meanwhile): just show it.
      if (e.status !== 409) setStartError(e);
    }
    setStarting(false);
    live.reload();
  };

  if (cam.error && !camera) {
    return (
      <section class="view live-view">
        <div class="view-header">
          <h1>Live</h1>
          <span class="spacer" />
          <a class="btn" href={href('')}>
            Back to cameras
          </a>
        </div>
        <ErrorBanner error={cam.error} onRetry={cam.error.status === 404 ? null : cam.reload} />
      </section>
    );
  }
  if (!camera) {
    return (
      <section class="view live-view">
        {/* The same structure as the loaded view's, so the heading (focused on arrival) stays the same element. */}
        <div class="view-header">
          <h1>Live</h1>
        </div>
        <p class="muted" role="status">
          Loading camera {id}…
        </p>
      </section>
    );
  }

  const status = stream ? stream.status : null;
  const stats = stream && stream.stats;
  return (
    <section class="view live-view">
      <div class="view-header">
        <h1>{camera.name}</h1>
        <StatusBadge status={status} reason={stream && stream.last_error} />
        {camera.location && <span class="muted">{camera.location}</span>}
        <span class="spacer" />
        <div class="live-actions">
          <a
            class="btn"
            href={`/api/cameras/${encodeURIComponent(id)}/snapshot.jpg`}
            target="_blank"
            rel="noopener"
            aria-label={`Snapshot of ${camera.name} (opens in a new tab)`}
          >
            Snapshot
          </a>
          <a class="btn" href={href(`recordings/${encodeURIComponent(id)}`)}>
            Recordings
          </a>
          <a class="btn" href={href('')}>
            Back to cameras
          </a>
        </div>
      </div>

      {live.error && <ErrorBanner error={live.error} onRetry={live.reload} />}
      {stream && status === 'ERROR' && stream.last_error && (
        <div class="banner banner-error" role="alert">
          <span>The camera is failing: {stream.last_error}. vigil keeps retrying.</span>
        </div>
      )}

      {!stream && !live.loading && !live.error && (
        <div class="panel live-empty">
          <p>
            <strong>{camera.name}</strong> has no live stream.
          </p>
          <ErrorBanner error={startError} />
          <button type="button" class="btn btn-primary" onClick={startStream} disabled={starting}>
            {starting ? 'Starting…' : 'Start stream'}
          </button>
        </div>
      )}

      {stream && (
        <>
          <div class={`live-stage${isFull ? ' live-stage-full' : ''}`} ref={stageRef}>
            <Player
              key={stream.id}
              path={camera.path || `cam_${camera.id}`}
              mode={mode}
              onModeChange={setMode}
              label={camera.name}
              nudge={status === 'RUNNING' ? 'running' : null}
            >
              {canFull && (
                <button type="button" class="btn btn-small" onClick={toggleFull}>
                  {isFull ? 'Exit fullscreen' : 'Fullscreen'}
                </button>
              )}
            </Player>
          </div>
          {stats && (
            <p class="live-source muted">
              From the camera: {fmtFps(stats.fps)} · {kbps(stats.bitrate_kbps)}
              {typeof stats.viewers === 'number' ? ` · ${plural(stats.viewers, 'viewer')}` : ''}
              {stream.on_demand ? ' · on demand' : ''}
            </p>
          )}
        </>
      )}
    </section>
  );
}
