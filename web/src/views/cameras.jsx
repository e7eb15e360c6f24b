// The cameras grid (#/): one tile per camera with its newest picture, its
// stream's status and rates, and what can be done with it (live, recordings,
// edit, start/stop, delete). A tile's name is the link to its live view, and
// its click area covers the whole tile (the actions excepted). The grid is one
// tab stop (roving tabindex): the arrow keys move between the tiles' links by
// the grid's real column count, Enter opens live, and Tab goes on to that
// tile's actions, then out of the grid.
import { useEffect, useRef, useState } from 'preact/hooks';
import { post, del, camerasWithStreams } from '../api.js';
import { usePoll, useTitle } from '../hooks.js';
import { href } from '../router.js';
import { fps, kbps, plural } from '../format.js';
import { StatusBadge, ErrorBanner, ConfirmDialog, Empty } from '../components/common.jsx';
import './cameras.css';

const POLL_MS = 5000;
const SNAPSHOT_MS = 5000;
const MAX_CAMERAS = 1000; // camerasWithStreams reads this many at most

// A message for the grid's next mount ("Added Front door."), left by the
// camera form when it navigates back here. Module state, because the form and
// the grid are never on screen together and the router carries no state.
let pendingNotice = null;
export function setCamerasNotice(notice) {
  pendingNotice = notice; // {text, error?: true}
}

export function CamerasView() {
  useTitle('Cameras');
  // Cameras, each with `stream`: its live stream (any status but STOPPED) or null.
  const { data, error, loading, reload } = usePoll(camerasWithStreams, POLL_MS);
  const [notice, setNotice] = useState(() => {
    const n = pendingNotice;
    pendingNotice = null;
    return n;
  });
  const [confirm, setConfirm] = useState(null); // the camera to delete
  const [deleting, setDeleting] = useState({ busy: false, error: null });
  const [gone, setGone] = useState(() => new Set()); // deleted here, hidden before the next poll
  const gridRef = useRef(null);
  const focusAfterDelete = useRef(null);
  const [activeId, setActiveId] = useState(null); // the tile whose link is the grid's tab stop

  const cameras = (data || []).filter((c) => !gone.has(c.id));
  // The tab stop stays on the tile last used while it exists, else the first.
  const tabStop = cameras.some((c) => c.id === activeId) ? activeId : cameras.length ? cameras[0].id : null;
  const running = cameras.filter((c) => c.stream && c.stream.status === 'RUNNING').length;
  const errors = cameras.filter((c) => c.stream && c.stream.status === 'ERROR').length;

  // After a delete, focus the tile that took the deleted one's place (or
  // "Add camera" when none is left), instead of losing it to <body>.
  useEffect(() => {
    const want = focusAfterDelete.current;
    if (want === null || confirm) return;
    focusAfterDelete.current = null;
    // After the dialog's own clean-up, which puts focus back on the (removed) Delete button.
    setTimeout(() => {
      const links = gridRef.current ? [...gridRef.current.querySelectorAll('.tile-link')] : [];
      const l = links[Math.min(want, links.length - 1)];
      if (l) l.focus();
      else document.getElementById('add-camera')?.focus();
    }, 0);
  });

  async function doDelete() {
    const cam = confirm;
    setDeleting({ busy: true, error: null });
    try {
      await del(`/api/cameras/${cam.id}`);
    } catch (e) {
      // Already gone is what the user wanted; anything else stays in the dialog.
      if (e.status !== 404) {
        setDeleting({ busy: false, error: e });
        return;
      }
    }
    focusAfterDelete.current = Math.max(0, cameras.findIndex((c) => c.id === cam.id));
    setGone((g) => new Set(g).add(cam.id));
    setDeleting({ busy: false, error: null });
    setConfirm(null);
    setNotice({ text: `Deleted ${cam.name}.` });
    reload();
  }

  function onGridKey(e) {
    // The arrows move between the tiles' links only: in an action they are the action's.
    if (!e.target.classList || !e.target.classList.contains('tile-link')) return;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const links = [...gridRef.current.querySelectorAll('.tile-link')];
    const tiles = [...gridRef.current.querySelectorAll('.tile')];
    const i = links.indexOf(e.target);
    if (i < 0) return;
    const cols = columnCount(tiles);
    const last = tiles.length - 1;
    let j;
    switch (e.key) {
      case 'ArrowLeft': j = i - 1; break;
      case 'ArrowRight': j = i + 1; break;
      // Down from a row above a shorter last row lands on its last tile, as in a spreadsheet's ragged end.
      case 'ArrowDown': j = i + cols <= last ? i + cols : Math.floor(i / cols) < Math.floor(last / cols) ? last : i; break;
      case 'ArrowUp': j = i - cols >= 0 ? i - cols : i; break;
      case 'Home': j = 0; break;
      case 'End': j = last; break;
      default: return;
    }
    e.preventDefault();
    if (j >= 0 && j <= last && j !== i) {
      // The whole tile into view (its picture is above the link), clear of the sticky bar.
      links[j].focus({ preventScroll: true });
      tiles[j].scrollIntoView({ block: 'nearest' });
    }
  }

  return (
    <section class="view cameras-view">
      <div class="view-header">
        <h1>Cameras</h1>
        {data && cameras.length > 0 && (
          <p class="cameras-summary muted">
            {plural(cameras.length, 'camera')}, {running} running, {errors} with errors
          </p>
        )}
        <span class="spacer" />
        <a id="add-camera" class="btn btn-primary" href={href('cameras/new')}>
          Add camera
        </a>
      </div>

      {notice && (
        <div class={`banner ${notice.error ? 'banner-error' : 'banner-info'}`} role="status">
          <span>{notice.text}</span>
          <button type="button" class="btn btn-small" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </div>
      )}
      <ErrorBanner error={error} onRetry={reload} />

      {loading && !data && !error && <p class="muted">Loading the cameras…</p>}

      {data && cameras.length === 0 && (
        <div class="panel cameras-empty">
          <Empty>No cameras yet.</Empty>
          <p>
            Use <a href={href('cameras/new')}>Add camera</a> to add one: an RTSP, RTMP or HTTP camera, or{' '}
            <code>demo:</code> for a test pattern.
          </p>
        </div>
      )}

      {cameras.length > 0 && (
        <>
          <p id="tiles-help" class="sr-only">
            Press Enter to watch the camera live. Arrow keys move between cameras; Tab goes on to this camera's
            actions.
          </p>
          <ul class="tiles" ref={gridRef} onKeyDown={onGridKey} aria-label="Cameras">
            {cameras.map((c) => (
              <li key={c.id}>
                <Tile
                  camera={c}
                  reload={reload}
                  onDelete={() => setConfirm(c)}
                  tabStop={c.id === tabStop}
                  onFocused={() => setActiveId(c.id)}
                />
              </li>
            ))}
          </ul>
          {data.length >= MAX_CAMERAS && <p class="muted">Showing the first {MAX_CAMERAS} cameras.</p>}
        </>
      )}

      {confirm && (
        <ConfirmDialog
          title={`Delete ${confirm.name}?`}
          message={`${confirm.name} is removed with its stream history; a live stream of it is stopped first. Its recordings stay until retention removes them.`}
          confirmLabel="Delete"
          busy={deleting.busy}
          error={deleting.error}
          onConfirm={doDelete}
          onCancel={() => {
            setConfirm(null);
            setDeleting({ busy: false, error: null });
          }}
        />
      )}
    </section>
  );
}

// How many tiles the first row holds: the grid's columns, whatever the CSS
// made of the window's width.
function columnCount(tiles) {
  if (!tiles.length) return 1;
  const top = tiles[0].getBoundingClientRect().top;
  let n = 0;
  for (const t of tiles) {
    if (Math.abs(t.getBoundingClientRect().top - top) > 2) break;
    n++;
  }
  return Math.max(1, n);
}

// `tabStop`: this tile's link and actions are in the Tab order (one tile of
// the grid is); `onFocused`: the focus came into this tile (keys or a click),
// so it becomes the tab stop.
function Tile({ camera, reload, onDelete, tabStop, onFocused }) {
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState(null);
  const s = camera.stream;
  const status = s ? s.status : null;
  const stats = s && s.stats;
  const tab = tabStop ? 0 : -1;

  async function startStop() {
    setBusy(true);
    setActionError(null);
    try {
      if (s) await post(`/api/streams/${encodeURIComponent(s.id)}/stop`);
      else await post('/api/streams/start', { camera_id: camera.id });
    } catch (e) {
      // 409: someone started it meanwhile; the next poll shows that, no need to alarm.
      if (e.status !== 409) setActionError(`Could not ${s ? 'stop' : 'start'} the stream: ${e.message}`);
    }
    setBusy(false);
    reload();
  }

  return (
    <div class={`tile tile-${(status || 'STOPPED').toLowerCase()}`} data-camera-id={camera.id} onFocusIn={onFocused}>
      <Snapshot camera={camera} stream={s} />
      <div class="tile-body">
        <div class="tile-title">
          <h2 class="tile-name">
            {/* Its ::after stretches over the tile: a click on the picture opens live too. */}
            <a class="tile-link" href={href(`live/${camera.id}`)} tabIndex={tab} aria-describedby="tiles-help">
              {camera.name}
            </a>
          </h2>
          <StatusBadge status={status} reason={s && s.last_error} />
        </div>
        <p class="tile-location muted">{camera.location || 'No location'}</p>
        <p class="tile-stats">
          {stats && status !== 'STANDBY' ? (
            <>
              <span>{fps(stats.fps)}</span>
              <span aria-hidden="true"> · </span>
              <span>{kbps(stats.bitrate_kbps)}</span>
            </>
          ) : (
            <span class="muted">{!s ? 'Not streaming' : status === 'STANDBY' ? 'On demand: waiting for a viewer' : 'No figures yet'}</span>
          )}
          {s && s.on_demand && stats && status !== 'STANDBY' && <span class="muted"> · on demand</span>}
        </p>
        {status === 'ERROR' && s.last_error && <p class="tile-last-error">{s.last_error}</p>}
        {actionError && (
          <p class="tile-last-error" role="alert">
            {actionError}
          </p>
        )}
        <div class="tile-actions">
          <a class="btn btn-small" href={href(`recordings/${camera.id}`)} tabIndex={tab}>
            Recordings<span class="sr-only"> of {camera.name}</span>
          </a>
          <a class="btn btn-small" href={href(`cameras/${camera.id}/edit`)} tabIndex={tab}>
            Edit<span class="sr-only"> {camera.name}</span>
          </a>
          <button
            type="button"
            class="btn btn-small"
            onClick={startStop}
            disabled={busy}
            aria-busy={busy ? 'true' : undefined}
            tabIndex={tab}
          >
            {s ? 'Stop' : 'Start'}
            <span class="sr-only"> {camera.name}</span>
          </button>
          <button type="button" class="btn btn-small tile-delete" onClick={onDelete} tabIndex={tab}>
            Delete<span class="sr-only"> {camera.name}</span>
          </button>
        </div>
      </div>
    </div>
  );
}

// True while `ref`'s element is on screen (or near it): only visible tiles fetch pictures.
function useVisible(ref) {
  const [visible, setVisible] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    if (typeof IntersectionObserver === 'undefined') {
      setVisible(true);
      return undefined;
    }
    const io = new IntersectionObserver((entries) => setVisible(entries[entries.length - 1].isIntersecting), {
      rootMargin: '200px',
    });
    io.observe(el);
    return () => io.disconnect();
  }, []);
  return visible;
}

// Why there is no (fresh) picture, in a word, from the snapshot's error (docs/stills.md).
function snapshotProblem(status, code) {
  if (status === 0) return 'Unreachable';
  if (status === 404) return 'Not found';
  if (status === 429) return 'Busy';
  switch (code) {
    case 'camera_not_streaming': return 'Stopped';
    case 'camera_unavailable':
    case 'camera_unreachable': return 'Unavailable';
    case 'camera_timeout': return 'No picture';
    case 'shutting_down': return 'Restarting';
    default: return 'No picture';
  }
}

function ago(ms) {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

// The camera's newest picture, refreshed every 5 s while the tile is visible.
// Each picture is fetched and decoded off-screen and swapped in once ready, so
// the tile never flashes empty; a failure keeps the last good picture under a
// one-word reason. On-demand streams are not polled: each snapshot would wake
// the camera and keep it pulled, which is what on demand is there to avoid.
function Snapshot({ camera, stream }) {
  const ref = useRef(null);
  const visible = useVisible(ref);
  const [pic, setPic] = useState(null); // {url, stale: ms | null}
  const [problem, setProblem] = useState(null);
  const shown = useRef(null); // the blob: URL on screen, revoked when replaced
  const onDemand = !!(stream && stream.on_demand);
  const status = stream ? stream.status : null;

  useEffect(() => {
    if (!visible || onDemand) return undefined;
    let alive = true;
    let timer = null;
    let ctl = null;
    async function tick() {
      if (document.hidden) return schedule();
      ctl = new AbortController();
      try {
        const res = await fetch(`/api/cameras/${camera.id}/snapshot.jpg?width=480`, { signal: ctl.signal });
        if (!res.ok) {
          let code = null;
          try {
            code = (await res.json()).error.code;
          } catch {
            /* not JSON: the status says enough */
          }
          if (alive) setProblem(snapshotProblem(res.status, code));
        } else {
          const cache = res.headers.get('X-Snapshot-Cache');
          const age = Number(res.headers.get('X-Snapshot-Age-Ms'));
          const url = URL.createObjectURL(await res.blob());
          const img = new Image();
          img.src = url;
          try {
            await img.decode();
          } catch {
            URL.revokeObjectURL(url);
            if (alive) setProblem('Bad picture');
            return schedule();
          }
          if (!alive) {
            URL.revokeObjectURL(url);
            return undefined;
          }
          setPic({ url, stale: cache === 'stale' ? age || 0 : null });
          setProblem(null);
        }
      } catch (e) {
        if (e.name === 'AbortError') return undefined;
        if (alive) setProblem('Unreachable');
      }
      return schedule();
    }
    function schedule() {
      if (alive) timer = setTimeout(tick, SNAPSHOT_MS);
    }
    tick();
    return () => {
      alive = false;
      clearTimeout(timer);
      if (ctl) ctl.abort();
    };
  }, [visible, onDemand, camera.id]);

  // Revoke a picture's blob: URL once the next one is on screen, and the last one when the tile goes.
  useEffect(() => {
    const before = shown.current;
    shown.current = pic && pic.url;
    if (before && before !== shown.current) URL.revokeObjectURL(before);
  }, [pic]);
  useEffect(() => () => shown.current && URL.revokeObjectURL(shown.current), []);

  // The word over the picture (or in its place): why it is missing or old.
  let word = null;
  if (onDemand) word = status === 'STANDBY' ? 'Standby' : 'On demand';
  else if (problem) word = problem;
  else if (!pic) {
    // Before the first answer, the stream's status is the best guess of why there is no picture yet.
    word = !status ? 'Stopped' : status === 'ERROR' ? 'Unavailable' : status === 'STARTING' ? 'Starting' : 'Loading';
  }
  else if (pic.stale !== null) word = status === 'ERROR' ? 'Unavailable' : status ? 'Old picture' : 'Stopped';
  const dim = !!(pic && word);

  return (
    <div class={`tile-picture${pic ? '' : ' tile-picture-empty'}`} ref={ref}>
      {pic && (
        <img
          class={`tile-snapshot${dim ? ' tile-snapshot-old' : ''}`}
          src={pic.url}
          alt={`Snapshot of ${camera.name}`}
          width="480"
          height="270"
          draggable={false}
        />
      )}
      {word && (
        <span class="tile-picture-word" title={pic && pic.stale ? `Last picture, ${ago(pic.stale)}` : undefined}>
          {word}
          {pic && pic.stale ? <span class="tile-picture-age"> · {ago(pic.stale)}</span> : null}
        </span>
      )}
    </div>
  );
}
