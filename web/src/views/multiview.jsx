// #/multiview?layout=2x2&ids=1,2,3,4: several cameras live at once, each cell
// a compact, muted Player (WebRTC, falling back to LL-HLS by itself).
// Cells take the cameras in `ids` order (an empty entry is an empty cell);
// cells past the end of `ids` take the first cameras not shown yet. Changing
// a cell's camera writes every cell into `ids`, so the URL says what is shown.
import { camerasWithStreams } from '../api.js';
import { navigate, href } from '../router.js';
import { usePoll, useTitle } from '../hooks.js';
import { StatusBadge, ErrorBanner, Empty } from '../components/common.jsx';
import { Player } from '../player/player.jsx';
import './multiview.css';

const LAYOUTS = { '1x1': 1, '2x2': 2, '3x3': 3 };

function Cell({ index, camera, cameras, onPick }) {
  const selId = `mv-cell-${index}`;
  const stream = camera && camera.stream;
  const live = stream && stream.status !== 'STOPPED';
  return (
    <li class="mv-cell">
      <div class="mv-cell-bar">
        <label class="sr-only" for={selId}>
          Camera in cell {index + 1}
        </label>
        <select id={selId} class="input mv-select" value={camera ? String(camera.id) : ''} onChange={(e) => onPick(index, e.currentTarget.value)}>
          <option value="">No camera</option>
          {cameras.map((c) => (
            <option key={c.id} value={String(c.id)}>
              {c.name}
            </option>
          ))}
        </select>
        {camera && <StatusBadge status={stream ? stream.status : null} reason={stream && stream.last_error} />}
        {camera && (
          <a
            class="btn btn-small"
            href={href(`live/${camera.id}`)}
            aria-label={`Open ${camera.name} in the live view`}
            title="Open in the live view"
          >
            Open
          </a>
        )}
      </div>
      {camera && live && (
        <Player key={`${camera.id}-${stream.id}`} path={camera.path || `cam_${camera.id}`} mode="auto" muted compact label={camera.name} nudge={stream.status === 'RUNNING' ? 'running' : null} />
      )}
      {camera && !live && (
        <div class="mv-placeholder">
          <span>{camera.name} has no live stream.</span>
        </div>
      )}
      {!camera && (
        <div class="mv-placeholder">
          <span class="muted">No camera in this cell.</span>
        </div>
      )}
    </li>
  );
}

export function MultiView({ query }) {
  useTitle('Multi-view');
  // Each camera with `stream`: its live stream or null.
  const { data: cameras, error, reload } = usePoll(camerasWithStreams, 10000);
  const layout = LAYOUTS[query.get('layout')] ? query.get('layout') : '2x2';
  const side = LAYOUTS[layout];
  const count = side * side;
  const idsParam = query.get('ids');
  const ids = idsParam === null ? [] : idsParam.split(',').map((s) => s.trim());

  const byId = new Map((cameras || []).map((c) => [String(c.id), c]));
  // What each cell shows: ids first (unknown ids show as empty), then fill
  // from the cameras not shown yet, in id order.
  const cells = [];
  const used = new Set(ids);
  const spare = (cameras || []).filter((c) => !used.has(String(c.id)));
  for (let i = 0; i < count; i++) {
    if (i < ids.length) cells.push(ids[i] && byId.has(ids[i]) ? ids[i] : '');
    else cells.push(spare.length ? String(spare.shift().id) : '');
  }

  const go = (params) => {
    const next = Object.fromEntries(query.entries());
    Object.assign(next, params);
    // Built by hand rather than by URLSearchParams so that ids keep their
    // commas readable (ids=1,2,3 rather than ids=1%2C2%2C3).
    const q = Object.entries(next)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/%2C/gi, ',')}`)
      .join('&');
    navigate(`multiview?${q}`, null, { replace: true });
  };
  const pickLayout = (l) => go({ layout: l });
  const pick = (index, id) => {
    // Keep ids beyond this layout's cells too, so going 3x3 → 2x2 → 3x3 keeps them.
    const all = cells.slice();
    for (let i = count; i < ids.length; i++) all.push(ids[i]);
    all[index] = id;
    go({ ids: all.join(',') });
  };

  return (
    <section class="view mv-view">
      <div class="view-header">
        <h1>Multi-view</h1>
        <span class="spacer" />
        <div class="mv-layouts" role="group" aria-label="Layout">
          {Object.keys(LAYOUTS).map((l) => (
            <button key={l} type="button" class="btn btn-small" aria-pressed={l === layout ? 'true' : 'false'} onClick={() => pickLayout(l)}>
              {l}
            </button>
          ))}
        </div>
      </div>
      <ErrorBanner error={error} onRetry={reload} />
      {cameras && cameras.length === 0 && (
        <Empty>
          There are no cameras yet. <a href={href('cameras/new')}>Add a camera</a>.
        </Empty>
      )}
      {!cameras && !error && (
        <p class="muted" role="status">
          Loading cameras…
        </p>
      )}
      {cameras && cameras.length > 0 && (
        <ul class={`mv-grid mv-grid-${side}`} aria-label={`${layout} camera grid`}>
          {cells.map((id, i) => (
            <Cell key={i} index={i} camera={id ? byId.get(id) : null} cameras={cameras} onPick={pick} />
          ))}
        </ul>
      )}
    </section>
  );
}
