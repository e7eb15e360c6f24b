// A camera's clips: play, rename and delete them.
import { useEffect, useRef, useState } from 'preact/hooks';
import { patch, del } from '../../api.js';
import { bytes, duration } from '../../format.js';
import { ErrorBanner, Field, ConfirmDialog, Empty } from '../../components/common.jsx';
import { fieldOf } from '../shared.js';
import { rangeWords, CLIP_FIELDS } from './shared.js';

export function ClipsPanel({ cameraId, clips, onPlay }) {
  const [editing, setEditing] = useState(null); // {id, name, busy, error}
  const [confirm, setConfirm] = useState(null); // {clip, busy, error}
  const [focusAfter, setFocusAfter] = useState(null);
  const headingRef = useRef(null);
  const list = clips.data ? clips.data.clips : [];

  // After a rename closes, focus goes back to that clip's Rename button;
  // after a delete, to the heading (the clip's buttons are gone).
  useEffect(() => {
    if (!focusAfter) return;
    const el = focusAfter === 'heading' ? headingRef.current : document.getElementById(focusAfter);
    if (el) el.focus();
    setFocusAfter(null);
  }, [focusAfter, clips.data]);

  // The rename field takes the focus when it opens (autofocus only works on page load).
  const editingId = editing ? editing.id : null;
  useEffect(() => {
    if (editingId === null) return;
    const el = document.getElementById(`clip-name-${editingId}`);
    if (el) {
      el.focus();
      el.select();
    }
  }, [editingId]);

  const save = async (e) => {
    e.preventDefault();
    const name = editing.name.trim();
    setEditing((s) => ({ ...s, busy: true, error: null }));
    try {
      await patch(`/api/clips/${editing.id}`, { name });
      const id = editing.id;
      setEditing(null);
      await clips.reload();
      setFocusAfter(`clip-rename-${id}`);
    } catch (e2) {
      setEditing((s) => ({ ...s, busy: false, error: e2 }));
    }
  };

  const remove = async () => {
    setConfirm((s) => ({ ...s, busy: true, error: null }));
    try {
      await del(`/api/clips/${confirm.clip.id}`);
      setConfirm(null);
      await clips.reload();
      setFocusAfter('heading');
    } catch (e) {
      setConfirm((s) => ({ ...s, busy: false, error: e }));
    }
  };

  // A camera that never had clips and no longer exists answers 404: nothing to list.
  const gone = clips.error && clips.error.status === 404;
  return (
    <div class="panel rec-section rec-clips">
      <h2 ref={headingRef} tabIndex={-1}>
        Clips
      </h2>
      <p class="muted">Clips keep their recordings whatever their age, until you delete them.</p>
      {!gone && <ErrorBanner error={clips.error} onRetry={clips.reload} />}
      {clips.loading && !clips.data && <p class="muted">Loading clips…</p>}
      {(gone || (clips.data && !list.length)) && (
        <Empty>{onPlay ? 'No clips yet. Choose a range above and keep it as a clip.' : 'This camera has no clips.'}</Empty>
      )}
      {list.length > 0 && (
        <ul class="clip-list" aria-label="Clips">
          {list.map((c) => {
            const s = Date.parse(c.start);
            const e = Date.parse(c.end);
            const isEditing = editing && editing.id === c.id;
            const renameErr = isEditing && editing.error;
            return (
              <li key={c.id} class="clip">
                {isEditing ? (
                  <form class="clip-rename" onSubmit={save} noValidate>
                    <Field
                      id={`clip-name-${c.id}`}
                      label={`New name for “${c.name}”`}
                      error={renameErr && fieldOf(renameErr, CLIP_FIELDS) === 'name' ? renameErr.message : null}
                    >
                      <input
                        type="text"
                        id={`clip-name-${c.id}`}
                        maxLength={200}
                        value={editing.name}
                        aria-invalid={renameErr && fieldOf(renameErr, CLIP_FIELDS) === 'name' ? 'true' : undefined}
                        aria-describedby={
                          renameErr && fieldOf(renameErr, CLIP_FIELDS) === 'name' ? `clip-name-${c.id}-error` : undefined
                        }
                        onInput={(ev) => setEditing({ ...editing, name: ev.currentTarget.value })}
                        onKeyDown={(ev) => {
                          if (ev.key === 'Escape') {
                            ev.preventDefault();
                            setEditing(null);
                            setFocusAfter(`clip-rename-${c.id}`);
                          }
                        }}
                      />
                    </Field>
                    {renameErr && fieldOf(renameErr, CLIP_FIELDS) !== 'name' && <ErrorBanner error={renameErr} />}
                    <div class="clip-actions">
                      <button type="submit" class="btn btn-small btn-primary" disabled={editing.busy}>
                        {editing.busy ? 'Saving…' : 'Save'}
                      </button>
                      <button
                        type="button"
                        class="btn btn-small"
                        onClick={() => {
                          setEditing(null);
                          setFocusAfter(`clip-rename-${c.id}`);
                        }}
                      >
                        Cancel
                      </button>
                    </div>
                  </form>
                ) : (
                  <>
                    <div class="clip-main">
                      <span class="clip-name">{c.name}</span>
                      <span class="clip-range">{rangeWords(s, e)}</span>
                      <span class="muted">
                        {duration(c.duration_ms !== undefined ? c.duration_ms : e - s)}
                        {c.bytes !== undefined ? ` · ${bytes(c.bytes)}` : ''}
                        {c.segments === 0 ? ' · no recording in it (yet)' : ''}
                      </span>
                    </div>
                    <div class="clip-actions">
                      {onPlay && (
                        <button
                          type="button"
                          class="btn btn-small"
                          aria-label={`Play clip ${c.name}`}
                          onClick={() => onPlay(c)}
                        >
                          Play
                        </button>
                      )}
                      <button
                        type="button"
                        class="btn btn-small"
                        id={`clip-rename-${c.id}`}
                        aria-label={`Rename clip ${c.name}`}
                        onClick={() => setEditing({ id: c.id, name: c.name, busy: false, error: null })}
                      >
                        Rename
                      </button>
                      <button
                        type="button"
                        class="btn btn-small"
                        aria-label={`Delete clip ${c.name}`}
                        onClick={() => setConfirm({ clip: c, busy: false, error: null })}
                      >
                        Delete
                      </button>
                    </div>
                  </>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {confirm && (
        <ConfirmDialog
          title={`Delete the clip “${confirm.clip.name}”?`}
          message={
            `Its recordings (${rangeWords(Date.parse(confirm.clip.start), Date.parse(confirm.clip.end))}) are not ` +
            "deleted now: their time returns to the camera's retention, and files already older than it are " +
            'deleted at the next cleanup.'
          }
          confirmLabel="Delete clip"
          busy={confirm.busy}
          error={confirm.error}
          onConfirm={remove}
          onCancel={() => setConfirm(null)}
        />
      )}
    </div>
  );
}
