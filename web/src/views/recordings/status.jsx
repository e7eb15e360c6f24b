// A camera's recording status, and the buttons that start and stop it.
import { useState } from 'preact/hooks';
import { get, post, liveStreamOf } from '../../api.js';
import { usePoll } from '../../hooks.js';
import { bytes, plural } from '../../format.js';
import { ErrorBanner } from '../../components/common.jsx';
import { planLength } from '../shared.js';
import { SECOND } from './shared.js';

function statusWords(rec, stream) {
  const out = [];
  if (!rec.enabled) {
    out.push('Recording is off for this camera.');
  } else if (rec.writing) {
    out.push('Recording: a file is being written.');
  } else if (rec.active) {
    out.push('Recording is on and attached to the stream, but no file is open: waiting for video.');
  } else if (!stream) {
    out.push("Recording is on, but the camera's stream is not running, so nothing is being written.");
  } else if (stream.status === 'ERROR') {
    out.push(
      `Recording is on, but the camera is failing${stream.last_error ? ': ' + stream.last_error : ''}. ` +
        'It resumes when video flows again.',
    );
  } else if (stream.status === 'STARTING') {
    out.push('Recording is on; the stream is starting.');
  } else if (stream.status === 'STANDBY') {
    out.push('Recording is on; the on-demand stream is waking up for it.');
  } else {
    out.push('Recording is on, but no recorder is attached to the stream yet.');
  }
  if (rec.last_error) out.push(`Last error: ${rec.last_error}.`);
  return out;
}

function retentionWords(rec, plans) {
  if (rec.retention_days) return `Kept ${plural(rec.retention_days, 'day')}.`;
  if (rec.plan) {
    const p = plans && plans.find((x) => x.name === rec.plan);
    return p ? `Kept ${planLength(p)} (plan “${rec.plan}”).` : `Kept as plan “${rec.plan}” says.`;
  }
  return "Kept for the server's default time (7 days unless configured).";
}

export function RecordingStatus({ id }) {
  const st = usePoll(
    async (signal) => {
      const [rec, stream] = await Promise.all([
        get(`/api/cameras/${encodeURIComponent(id)}/recording`, { signal }),
        // Only to explain "why not": its failure leaves the status as is.
        liveStreamOf(id, signal).catch((e) => {
          if (e.name === 'AbortError') throw e;
          return null;
        }),
      ]);
      return { rec, stream };
    },
    10 * SECOND,
    [id],
  );
  // Only for the plan's length in words: without it the plan is named, not measured.
  const plans = usePoll((signal) => get('/api/plans', { signal }).catch(() => null), 0, []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);

  // Busy buttons stay enabled (aria-disabled), so the focus stays on them.
  const act = async (what, fn) => {
    if (busy) return;
    setBusy(what);
    setError(null);
    try {
      await fn();
      await st.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const toggle = () => {
    const on = st.data.rec.enabled;
    act(on ? 'stop' : 'start', () => post(`/api/cameras/${encodeURIComponent(id)}/recording/${on ? 'stop' : 'start'}`));
  };
  // A camera is recorded while its stream runs: without one, offer to start it here.
  const startStream = () => act('stream', () => post('/api/streams/start', { camera_id: Number(id) }));

  if (!st.data) {
    return (
      <div class="panel rec-section rec-status">
        {st.loading ? <p class="muted">Loading the recording status…</p> : null}
        <ErrorBanner error={st.error} onRetry={st.reload} />
      </div>
    );
  }
  const { rec, stream } = st.data;
  const state = !rec.enabled ? 'off' : rec.writing ? 'on' : 'waiting';
  const badge = { off: 'Not recording', on: 'Recording', waiting: 'Not writing' }[state];
  return (
    <div class="panel rec-section rec-status" data-state={state}>
      <h2 class="sr-only">Recording status</h2>
      <span class={`rec-badge rec-badge-${state}`}>
        <span class="rec-dot" aria-hidden="true" />
        {badge}
      </span>
      <div class="rec-status-words">
        {statusWords(rec, stream).map((w) => (
          <p key={w}>{w}</p>
        ))}
        <p class="muted">
          {retentionWords(rec, plans.data && plans.data.plans)}
          {rec.segments ? ` ${plural(rec.segments, 'file')} (${bytes(rec.bytes_written)}) written since vigil started.` : ''}
        </p>
      </div>
      <div class="rec-status-actions">
        {!stream && !rec.active && (
          <button type="button" class="btn" onClick={startStream} aria-disabled={busy ? 'true' : undefined}>
            {busy === 'stream' ? 'Starting the stream…' : 'Start stream'}
          </button>
        )}
        <button
          type="button"
          class={`btn ${rec.enabled ? '' : 'btn-primary'}`}
          onClick={toggle}
          aria-disabled={busy ? 'true' : undefined}
        >
          {busy === 'stop' ? 'Stopping…' : busy === 'start' ? 'Starting…' : rec.enabled ? 'Stop recording' : 'Start recording'}
        </button>
      </div>
      {(error || st.error) && (
        <div class="rec-status-error">
          <ErrorBanner error={error || st.error} />
        </div>
      )}
    </div>
  );
}
