// Expiring soon: what retention deletes within a day, for one camera or all,
// each span with a Play link and a "Keep as clip".
import { useState } from 'preact/hooks';
import { get, post, query as qs } from '../../api.js';
import { href } from '../../router.js';
import { usePoll } from '../../hooks.js';
import { dateTime, bytes, localDay, duration } from '../../format.js';
import { ErrorBanner, Field, Modal, Empty } from '../../components/common.jsx';
import { fieldOf } from '../shared.js';
import { SECOND, iso, rangeWords, CLIP_FIELDS } from './shared.js';

// When retention deletes something due at `ms`: "in 3 h 20 min", or, once
// due, "at the next cleanup" (retention runs periodically, not at the instant).
function fromNow(ms) {
  const d = ms - Date.now();
  return d <= 0 ? 'at the next cleanup' : `in ${duration(d)}`;
}

// `camerasLoaded`: `cameras` is the real list, so a camera missing from it was deleted.
export function ExpiringPanel({ cameras, camerasLoaded, cameraId, onKept }) {
  const exp = usePoll((signal) => get(`/api/recordings/expiring${qs({ within: '1d' })}`, { signal }), 60 * SECOND, []);
  const [keep, setKeep] = useState(null); // {cameraId, span}
  const groups = exp.data
    ? exp.data.cameras.filter((c) => cameraId === null || String(c.camera_id) === String(cameraId))
    : [];
  const nameOf = (cid) => {
    const c = cameras.find((x) => String(x.id) === String(cid));
    if (c) return c.name;
    return camerasLoaded ? `Camera ${cid} (deleted)` : `Camera ${cid}`;
  };
  const empty = exp.data && !groups.some((g) => g.spans.length);
  return (
    <div class="panel rec-section rec-expiring">
      <h2>Expiring soon</h2>
      <p class="muted">
        Recordings retention deletes within the next 24 hours. Keep what matters as a clip: clips are never deleted.
      </p>
      <ErrorBanner error={exp.error} onRetry={exp.reload} />
      {exp.loading && !exp.data && <p class="muted">Loading…</p>}
      {empty && (
        <Empty>
          {cameraId === null
            ? 'Nothing is due for deletion in the next 24 hours.'
            : "Nothing of this camera's recordings is due for deletion in the next 24 hours."}
        </Empty>
      )}
      {groups
        .filter((g) => g.spans.length)
        .map((g) => (
          <div key={g.camera_id} class="expiring-group">
            {cameraId === null && (
              <h3>
                <a href={href(`recordings/${g.camera_id}`)}>{nameOf(g.camera_id)}</a>
              </h3>
            )}
            <ul class="expiring-list">
              {g.spans.map((s) => {
                const a = Date.parse(s.start);
                const b = Date.parse(s.end);
                const words = rangeWords(a, b);
                return (
                  <li key={s.start}>
                    <div class="expiring-main">
                      <span>{words}</span>
                      <span class="muted">
                        {duration(b - a)}
                        {s.bytes !== undefined ? ` · ${bytes(s.bytes)}` : ''}
                      </span>
                      <span class="expiring-when">
                        Deleted {dateTime(s.deletes_at)} ({fromNow(Date.parse(s.deletes_at))})
                      </span>
                    </div>
                    <div class="clip-actions">
                      <a
                        class="btn btn-small"
                        href={href(`recordings/${g.camera_id}`, { day: localDay(a), t: iso(a) })}
                        aria-label={`Play ${words}`}
                      >
                        Play
                      </a>
                      <button
                        type="button"
                        class="btn btn-small"
                        aria-label={`Keep ${words} as a clip`}
                        onClick={() => setKeep({ cameraId: g.camera_id, span: s })}
                      >
                        Keep as clip
                      </button>
                    </div>
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      {keep && (
        <KeepClipModal
          cameraId={keep.cameraId}
          span={keep.span}
          onClose={() => setKeep(null)}
          onKept={() => {
            setKeep(null);
            exp.reload();
            if (onKept) onKept();
          }}
        />
      )}
    </div>
  );
}

// "Keep as clip" for a whole expiring span: its exact times, a name to give.
function KeepClipModal({ cameraId, span, onClose, onKept }) {
  const a = Date.parse(span.start);
  const b = Date.parse(span.end);
  const [name, setName] = useState(`Kept ${dateTime(span.start)}`);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      await post(`/api/cameras/${encodeURIComponent(cameraId)}/clips`, {
        start: span.start,
        end: span.end,
        name: name.trim(),
      });
      onKept();
    } catch (e2) {
      setErr(e2);
      setBusy(false);
    }
  };
  const field = fieldOf(err, CLIP_FIELDS);
  return (
    <Modal title="Keep as clip" onClose={onClose} labelledBy="keep-title">
      <form onSubmit={submit} noValidate>
        <p>
          {rangeWords(a, b)} ({duration(b - a)}) stays on disk until the clip is deleted.
        </p>
        <Field id="keep-name" label="Clip name" error={field === 'name' ? err.message : null}>
          <input
            type="text"
            id="keep-name"
            maxLength={200}
            value={name}
            autoFocus
            aria-invalid={field === 'name' ? 'true' : undefined}
            aria-describedby={field === 'name' ? 'keep-name-error' : undefined}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        {err && field !== 'name' && <ErrorBanner error={err} />}
        <div class="actions">
          <button type="button" class="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {busy ? 'Keeping…' : 'Keep as clip'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

