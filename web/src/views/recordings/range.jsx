// The range: export it as an MP4, or keep it as a clip.
import { useEffect, useRef, useState } from 'preact/hooks';
import { post, query as qs } from '../../api.js';
import { duration } from '../../format.js';
import { ErrorBanner, Field } from '../../components/common.jsx';
import { fieldOf } from '../shared.js';
import { SECOND, HOUR, iso, CLIP_FIELDS } from './shared.js';

const MAX_EXPORT_MS = 6 * HOUR; // docs/recordings.md: "An export covers at most 6 hours"

// Recorded time of `spans` inside [a, b).
function recordedIn(spans, a, b) {
  let n = 0;
  for (const s of spans) n += Math.max(0, Math.min(b, s.end) - Math.max(a, s.start));
  return n;
}

export function RangePanel({ cameraId, day, range, text, spans, onInput, onKept }) {
  const [clipName, setClipName] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const [done, setDone] = useState(null);

  const len = range ? range.end - range.start : 0;
  const recorded = range && len > 0 ? recordedIn(spans, range.start, range.end) : 0;
  let problem = null;
  if (!range) problem = 'Choose a range: play or select a span, Shift+click the timeline twice, or type the times.';
  else if (len <= 0) problem = 'The end must be after the start.';
  const exportProblem =
    problem ||
    (len > MAX_EXPORT_MS
      ? `An export covers at most 6 hours; this range is ${duration(len)}. Shorten it (a clip can be longer).`
      : recorded === 0
        ? 'Nothing was recorded in this range.'
        : null);
  const exportHref = range
    ? `/api/cameras/${encodeURIComponent(cameraId)}/export.mp4${qs({ start: iso(range.start), end: iso(range.end) })}`
    : null;

  // The export is checked (HEAD) before the browser downloads it: a failed
  // download says nothing, while vigil's error says why (404 no_recordings,
  // 400 range_too_long, ...). null, or {busy} while checking, or {error: words}.
  const [exporting, setExporting] = useState(null);
  const exportRun = useRef(0);
  useEffect(() => setExporting(null), [exportHref]);
  const startExport = async (e) => {
    // A modified click (new tab, save the link as) is the browser's own.
    if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    if (exporting && exporting.busy) return;
    const url = exportHref;
    const run = ++exportRun.current;
    setExporting({ busy: true });
    let error = null;
    try {
      const head = await fetch(url, { method: 'HEAD', cache: 'no-store' });
      if (!head.ok) error = await exportError(url, head.status);
    } catch (e2) {
      error = `The export could not be checked: vigil cannot be reached (${e2.message}).`;
    }
    if (run !== exportRun.current) return; // the range changed meanwhile
    setExporting(error ? { error } : null);
    if (!error) download(url);
  };

  const field = fieldOf(err, CLIP_FIELDS);
  const keep = async (e) => {
    e.preventDefault();
    if (problem || busy) return;
    setBusy(true);
    setErr(null);
    setDone(null);
    try {
      const clip = await post(`/api/cameras/${encodeURIComponent(cameraId)}/clips`, {
        start: iso(range.start),
        end: iso(range.end),
        name: clipName.trim(),
      });
      setDone(`Kept “${clip.name}” as a clip: retention will not delete it.`);
      setClipName('');
      if (onKept) onKept();
    } catch (e2) {
      setErr(e2);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="panel rec-section rec-range">
      <h2>Export or keep a range</h2>
      <div class="rec-range-times">
        <Field id="range-from" label={`From (${day})`} error={field === 'start' ? err.message : null}>
          <input
            type="time"
            step="1"
            id="range-from"
            value={text.from}
            aria-invalid={field === 'start' ? 'true' : undefined}
            aria-describedby={field === 'start' ? 'range-from-error' : undefined}
            onInput={(e) => onInput('from', e.currentTarget.value)}
          />
        </Field>
        <Field id="range-to" label="To" error={field === 'end' ? err.message : null}>
          <input
            type="time"
            step="1"
            id="range-to"
            value={text.to}
            aria-invalid={field === 'end' ? 'true' : undefined}
            aria-describedby={field === 'end' ? 'range-to-error' : undefined}
            onInput={(e) => onInput('to', e.currentTarget.value)}
          />
        </Field>
      </div>
      <p class="muted rec-range-len">
        {range && len > 0
          ? `${duration(len)} chosen, ${recorded >= len - SECOND ? 'all' : duration(recorded)} recorded.`
          : '\u00a0'}
      </p>

      <div class="rec-export">
        {exportProblem ? (
          <button type="button" class="btn" disabled aria-describedby="export-problem">
            Export MP4
          </button>
        ) : (
          <a
            class="btn btn-primary"
            href={exportHref}
            download=""
            data-testid="export-link"
            onClick={startExport}
            aria-busy={exporting && exporting.busy ? 'true' : undefined}
            aria-describedby="export-problem"
          >
            {exporting && exporting.busy ? 'Checking…' : 'Export MP4'}
          </a>
        )}
        <p id="export-problem" class="muted">
          {exportProblem || 'One MP4 of the range, gaps left out; it starts playing while it downloads.'}
        </p>
      </div>
      {!exportProblem && exporting && exporting.error && (
        <div class="banner banner-error" role="alert" data-testid="export-error">
          <span>{exporting.error}</span>
        </div>
      )}

      <form class="rec-clip-form" onSubmit={keep} noValidate>
        <Field
          id="clip-name"
          label="Clip name"
          hint="A clip is kept whatever its age: retention never deletes it."
          error={field === 'name' ? err.message : null}
        >
          <input
            type="text"
            id="clip-name"
            maxLength={200}
            value={clipName}
            placeholder="e.g. Delivery at the gate"
            aria-invalid={field === 'name' ? 'true' : undefined}
            aria-describedby={field === 'name' ? 'clip-name-error' : 'clip-name-hint'}
            onInput={(e) => setClipName(e.currentTarget.value)}
          />
        </Field>
        {err && field !== 'name' && field !== 'start' && field !== 'end' && <ErrorBanner error={err} />}
        <button type="submit" class="btn" disabled={!!problem} aria-disabled={busy ? 'true' : undefined}>
          {busy ? 'Keeping…' : 'Keep as clip'}
        </button>
        <p class="rec-done" role="status">
          {done}
        </p>
      </form>
    </div>
  );
}

// Why an export answered `status` to HEAD, in vigil's words: HEAD has no
// body, so the same URL is asked again with GET, whose error is a small JSON.
async function exportError(url, status) {
  const ctl = new AbortController();
  try {
    const res = await fetch(url, { cache: 'no-store', signal: ctl.signal });
    if (res.ok) {
      ctl.abort(); // it works now (recorded meanwhile): no need for its body here
      return null;
    }
    const body = await res.json().catch(() => null);
    const err = body && body.error;
    if (err && err.code === 'no_recordings') return 'Nothing was recorded in this range: there is nothing to export.';
    if (err && err.message) return `The export failed: ${err.message}.`;
    return `The export failed (HTTP ${res.status}).`;
  } catch {
    return `The export failed (HTTP ${status}).`;
  }
}

// Starts the browser's download of `url` (its Content-Disposition names the file).
function download(url) {
  const a = document.createElement('a');
  a.href = url;
  a.download = '';
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
}
