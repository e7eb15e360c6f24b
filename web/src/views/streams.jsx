// The streams admin (#/streams, seed 001): every stream vigil has pulled,
// newest first, filtered by status, 50 a page; select some and stop them.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post, query } from '../api.js';
import { usePoll, useTitle } from '../hooks.js';
import { href } from '../router.js';
import { dateTime, plural } from '../format.js';
import { StatusBadge, ErrorBanner, ConfirmDialog } from '../components/common.jsx';
import './streams.css';

const PAGE = 50;
const POLL_MS = 5000;
const FILTERS = [
  { value: '', label: 'All' },
  { value: 'live', label: 'Live' },
  { value: 'RUNNING', label: 'Running' },
  { value: 'ERROR', label: 'Error' },
  { value: 'STOPPED', label: 'Stopped' },
];

// One page of streams (vigil filters them by status) and the camera names.
async function loadPage(filter, offset, signal) {
  const [res, cams] = await Promise.all([
    get(`/api/streams${query({ limit: PAGE, offset, status: filter || null })}`, { signal }),
    // Names are a convenience: without them a row says "Camera 3".
    get('/api/cameras?limit=1000', { signal }).catch((e) => {
      if (e.name === 'AbortError') throw e;
      return null;
    }),
  ]);
  const rows = res.streams || [];
  const names = new Map();
  for (const c of (cams && cams.cameras) || []) names.set(c.id, c.name);
  return { rows, total: res.total ?? rows.length, names };
}

const cameraName = (names, id) => names.get(id) || `Camera ${id}`;

// The stream's LL-HLS playlist, built from its path (docs/hls.md) rather than
// taken from the row as an href.
function hlsUrl(s) {
  return `/hls/${encodeURIComponent(s.path)}/index.m3u8`;
}

// "Front door, Garage and 3 more"
function nameList(names) {
  if (names.length <= 3) return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names[0] || '';
  return `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

// Stops the streams in one request: {stopped: [ids], notFound: [ids]}.
async function stopStreams(ids) {
  const r = await post('/api/streams/stop', { ids });
  return { stopped: r.stopped || [], notFound: r.not_found || [] };
}

export function StreamsView() {
  useTitle('Streams');
  const [filter, setFilter] = useState('');
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState(() => new Set());
  const [confirm, setConfirm] = useState(null); // the rows to stop
  const [stopping, setStopping] = useState({ busy: false, error: null });
  const [result, setResult] = useState(null); // {text, error}
  const { data, error, loading, reload } = usePoll((signal) => loadPage(filter, offset, signal), POLL_MS, [filter, offset]);
  const allBox = useRef(null);
  const stopButton = useRef(null);

  const rows = data ? data.rows : [];
  const names = data ? data.names : new Map();

  // The selection is what is on screen: rows that leave the page (another
  // page, a filter, a poll) leave it, so "Stop selected (N)" never stops an unseen stream.
  useEffect(() => {
    if (!data) return;
    setSelected((sel) => {
      const keep = new Set(data.rows.filter((r) => sel.has(r.id)).map((r) => r.id));
      return keep.size === sel.size ? sel : keep;
    });
  }, [data]);

  // A page past the end (streams were removed meanwhile): back to the last page.
  useEffect(() => {
    if (data && data.total > 0 && offset >= data.total) setOffset(Math.floor((data.total - 1) / PAGE) * PAGE);
  }, [data, offset]);

  const picked = rows.filter((r) => selected.has(r.id));
  const allPicked = rows.length > 0 && picked.length === rows.length;
  useEffect(() => {
    if (allBox.current) allBox.current.indeterminate = picked.length > 0 && !allPicked;
  });

  const toggle = (id) =>
    setSelected((sel) => {
      const next = new Set(sel);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const toggleAll = () => setSelected(allPicked ? new Set() : new Set(rows.map((r) => r.id)));

  function changeFilter(e) {
    setFilter(e.currentTarget.value);
    setOffset(0);
    setSelected(new Set());
  }
  function goPage(to) {
    setOffset(to);
    setSelected(new Set());
  }

  async function doStop() {
    const chosen = confirm;
    const already = chosen.filter((r) => r.status === 'STOPPED');
    const ids = chosen.filter((r) => r.status !== 'STOPPED').map((r) => r.id);
    setStopping({ busy: true, error: null });
    let out = { stopped: [], notFound: [] };
    if (ids.length) {
      try {
        out = await stopStreams(ids);
      } catch (e) {
        setStopping({ busy: false, error: e });
        return;
      }
    }
    const byId = new Map(chosen.map((r) => [r.id, cameraName(names, r.camera_id)]));
    const who = (list) => nameList(list.map((id) => byId.get(id) || id));
    const parts = [];
    if (ids.length || !already.length) parts.push(`Stopped ${plural(out.stopped.length, 'stream', 'streams')}.`);
    if (already.length) parts.push(`${plural(already.length, 'was', 'were')} already stopped (${who(already.map((r) => r.id))}).`);
    if (out.notFound.length) parts.push(`${plural(out.notFound.length, 'was', 'were')} not found, removed meanwhile (${who(out.notFound)}).`);
    setResult({ text: parts.join(' '), error: false });
    setStopping({ busy: false, error: null });
    setConfirm(null);
    setSelected(new Set());
    reload();
  }

  const from = data && rows.length ? offset + 1 : 0;
  const to = data ? offset + rows.length : 0;
  const total = data ? data.total : 0;

  return (
    <section class="view streams-view">
      <div class="view-header">
        <h1>Streams</h1>
      </div>

      {result && (
        <div class={`banner ${result.error ? 'banner-error' : 'banner-info'}`} role="status">
          <span>{result.text}</span>
          <button type="button" class="btn btn-small" onClick={() => setResult(null)}>
            Dismiss
          </button>
        </div>
      )}
      <ErrorBanner error={error} onRetry={reload} />

      <div class="streams-toolbar">
        <div class="streams-filter">
          <label for="streams-filter">Show</label>
          <select id="streams-filter" class="input" value={filter} onChange={changeFilter}>
            {FILTERS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          ref={stopButton}
          class="btn btn-danger"
          disabled={picked.length === 0}
          onClick={() => setConfirm(picked)}
        >
          Stop selected ({picked.length})
        </button>
        <span class="spacer" />
        <Pager from={from} to={to} total={total} offset={offset} onPage={goPage} ready={!!data} />
      </div>

      {loading && !data && !error && <p class="muted">Loading the streams…</p>}

      {data && (
        <div class="table-wrap streams-wrap" tabIndex={0} role="region" aria-label="Streams table (scrolls sideways)">
          <table class="table streams-table">
            <caption class="sr-only">Streams, newest start first</caption>
            <thead>
              <tr>
                <th scope="col" class="col-check">
                  <input
                    ref={allBox}
                    type="checkbox"
                    checked={allPicked}
                    disabled={rows.length === 0}
                    onChange={toggleAll}
                    aria-label="Select all streams on this page"
                  />
                </th>
                <th scope="col">Camera</th>
                <th scope="col">Status</th>
                <th scope="col">Path</th>
                <th scope="col">HLS URL</th>
                <th scope="col">On demand</th>
                <th scope="col">Started</th>
                <th scope="col">Created</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 && (
                <tr>
                  <td colSpan={9} class="muted streams-empty">
                    {filter ? 'No streams match this filter.' : 'No streams yet: start one from the cameras page.'}
                  </td>
                </tr>
              )}
              {rows.map((s) => {
                const name = cameraName(names, s.camera_id);
                const live = s.status !== 'STOPPED';
                return (
                  <tr key={s.id} data-stream-id={s.id} class={selected.has(s.id) ? 'is-selected' : undefined}>
                    <td class="col-check">
                      <input
                        type="checkbox"
                        checked={selected.has(s.id)}
                        onChange={() => toggle(s.id)}
                        aria-label={`Select stream of ${name}`}
                      />
                    </td>
                    <td>
                      <a href={href(`live/${s.camera_id}`)}>{name}</a>
                    </td>
                    <td class="col-status">
                      <StatusBadge status={s.status} reason={s.last_error} />
                      {s.status === 'ERROR' && s.last_error && <div class="stream-last-error">{s.last_error}</div>}
                    </td>
                    <td>
                      <code>{s.path}</code>
                    </td>
                    <td>
                      {live ? (
                        <a href={hlsUrl(s)}>
                          <code>{hlsUrl(s)}</code>
                        </a>
                      ) : (
                        <code class="muted" title="Not live: nothing to play">
                          {hlsUrl(s)}
                        </code>
                      )}
                    </td>
                    <td>{s.on_demand ? 'Yes' : 'No'}</td>
                    <td>{dateTime(s.started_at)}</td>
                    <td>{dateTime(s.created_at)}</td>
                    <td>{dateTime(s.updated_at)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      {data && total > PAGE && (
        <div class="streams-toolbar streams-toolbar-bottom">
          <span class="spacer" />
          <Pager from={from} to={to} total={total} offset={offset} onPage={goPage} ready bottom />
        </div>
      )}

      {confirm && (
        <ConfirmDialog
          title={`Stop ${plural(confirm.length, 'stream', 'streams')}?`}
          message={stopMessage(confirm, names)}
          confirmLabel="Stop"
          busy={stopping.busy}
          error={stopping.error}
          onConfirm={doStop}
          onCancel={() => {
            setConfirm(null);
            setStopping({ busy: false, error: null });
          }}
        />
      )}
    </section>
  );
}

function stopMessage(rows, names) {
  const who = nameList(rows.map((r) => cameraName(names, r.camera_id)));
  const already = rows.filter((r) => r.status === 'STOPPED').length;
  let m = `The streams of ${who} stop; their cameras are not pulled (nor recorded) until started again.`;
  if (already) m += ` ${already === rows.length ? (already === 1 ? 'It is' : 'They are all') : plural(already, 'of them is', 'of them are')} already stopped.`;
  return m;
}

// Previous / "1–50 of 312" / Next. The bottom copy repeats the top one, which alone announces changes.
function Pager({ from, to, total, offset, onPage, ready, bottom = false }) {
  if (!ready) return null;
  return (
    <nav class="pager" aria-label={bottom ? 'Pages of streams, bottom' : 'Pages of streams'}>
      <button type="button" class="btn btn-small" disabled={offset === 0} onClick={() => onPage(Math.max(0, offset - PAGE))}>
        Previous
      </button>
      <span class="pager-range" aria-live={bottom ? undefined : 'polite'}>
        {total === 0 ? '0 streams' : `${from}–${to} of ${total}`}
      </span>
      <button type="button" class="btn btn-small" disabled={offset + PAGE >= total} onClick={() => onPage(offset + PAGE)}>
        Next
      </button>
    </nav>
  );
}
