// The Recordings view (docs/recordings.md):
//   #/recordings                          pick a camera; what retention deletes soon, all cameras
//   #/recordings/3?day=2026-11-22&t=<ISO>  one camera's local day: recording status, the
//                                          timeline, playback from a moment, export, clips,
//                                          and what of it expires soon
// The day and the moment chosen to play live in the URL (replaced, not pushed),
// so a link reopens the same moment; everything else is the page's own state.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post, patch, del, query as qs, liveStreamOf } from '../api.js';
import { navigate, href } from '../router.js';
import { usePoll, useTitle } from '../hooks.js';
import { dateTime, clock, bytes, localDay, duration, plural } from '../format.js';
import { parseDay, dayBounds, shiftDay, timeOnDay, timeWords } from '../timeline_math.js';
import { ErrorBanner, Field, Modal, ConfirmDialog, Empty } from '../components/common.jsx';
import { Timeline } from '../components/timeline.jsx';
import { Playback } from '../player/playback.jsx';
import { fieldOf, planLength } from './shared.js';
import './recordings.css';

const SECOND = 1000;
const MIN = 60 * SECOND;
const HOUR = 60 * MIN;
const MAX_EXPORT_MS = 6 * HOUR; // docs/recordings.md: "An export covers at most 6 hours"
const TIMELINE_REFRESH_MS = 30 * SECOND;

// A "day" is a local calendar day, YYYY-MM-DD (timeline_math.js does the arithmetic).

const iso = (ms) => new Date(ms).toISOString();

// "2026-11-21 10:02:00 – 10:04:30", the end's date only when it differs.
function rangeWords(startMs, endMs) {
  const a = dateTime(iso(startMs));
  return localDay(startMs) === localDay(endMs - 1) ? `${a} – ${clock(endMs)}` : `${a} – ${dateTime(iso(endMs))}`;
}

// When retention deletes something due at `ms`: "in 3 h 20 min", or, once
// due, "at the next cleanup" (retention runs periodically, not at the instant).
function fromNow(ms) {
  const d = ms - Date.now();
  return d <= 0 ? 'at the next cleanup' : `in ${duration(d)}`;
}

// The fields of the clip forms an API error can be about (error.field).
const CLIP_FIELDS = ['name', 'start', 'end'];

// Recorded time of `spans` inside [a, b).
function recordedIn(spans, a, b) {
  let n = 0;
  for (const s of spans) n += Math.max(0, Math.min(b, s.end) - Math.max(a, s.start));
  return n;
}

export function RecordingsView({ id, query }) {
  if (!id) return <RecordingsIndex />;
  // A camera of its own: switching cameras starts the page over.
  return <CameraRecordings key={id} id={id} query={query} />;
}

// ---- #/recordings ----

function RecordingsIndex() {
  useTitle('Recordings');
  const cams = usePoll((signal) => get('/api/cameras?limit=1000', { signal }), 0, []);
  const cameras = cams.data ? cams.data.cameras : [];
  return (
    <section class="view recordings">
      <div class="view-header">
        <h1>Recordings</h1>
      </div>
      <ErrorBanner error={cams.error} onRetry={cams.reload} />
      <div class="panel rec-section">
        <CameraPicker cameras={cameras} value="" loading={cams.loading && !cams.data} />
        {cams.data && !cameras.length && (
          <Empty>
            There are no cameras yet. <a href={href('cameras/new')}>Add a camera</a>, turn on its recording, and its
            recordings show here.
          </Empty>
        )}
        {cameras.length > 0 && (
          <ul class="rec-camera-list" aria-label="Cameras">
            {cameras.map((c) => (
              <li key={c.id}>
                <a href={href(`recordings/${c.id}`)}>{c.name}</a>
                <span class={c.record ? 'rec-on' : 'muted'}>{c.record ? 'recording on' : 'recording off'}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      <ExpiringPanel cameras={cameras} camerasLoaded={!!cams.data} cameraId={null} />
    </section>
  );
}

// The camera <select>: choosing one opens its recordings.
function CameraPicker({ cameras, value, loading }) {
  const known = !value || cameras.some((c) => String(c.id) === value);
  return (
    <div class="field rec-camera-field">
      <label for="rec-camera">Camera</label>
      <select
        id="rec-camera"
        value={value}
        disabled={loading}
        onChange={(e) => e.currentTarget.value && navigate(`recordings/${e.currentTarget.value}`)}
      >
        {!value && <option value="">{loading ? 'Loading cameras…' : 'Choose a camera…'}</option>}
        {!known && <option value={value}>Camera {value}</option>}
        {cameras.map((c) => (
          <option key={c.id} value={String(c.id)}>
            {c.name}
          </option>
        ))}
      </select>
    </div>
  );
}

// ---- #/recordings/{id} ----

function CameraRecordings({ id, query }) {
  const today = localDay(Date.now());
  const tParam = query.get('t');
  const tMs = tParam && !isNaN(Date.parse(tParam)) ? Date.parse(tParam) : null;
  // A link with only `t` opens that moment's day.
  const dayParam = parseDay(query.get('day'));
  const day = dayParam || (tMs !== null ? localDay(tMs) : today);
  const isToday = day === today;
  const [dayStart, dayEnd] = dayBounds(day);

  // The day goes into the URL at once: without it, a page left open would
  // move to the next day at midnight (a new `today`) under a cursor and a
  // player still on the old one.
  useEffect(() => {
    if (dayParam) return;
    navigate(`recordings/${id}`, tParam ? { day, t: tParam } : { day }, { replace: true });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const camera = usePoll((signal) => get(`/api/cameras/${encodeURIComponent(id)}`, { signal }), 0, [id]);
  const cams = usePoll((signal) => get('/api/cameras?limit=1000', { signal }), 0, []);
  const timeline = usePoll(
    (signal) =>
      get(`/api/cameras/${encodeURIComponent(id)}/recordings${qs({ start: iso(dayStart), end: iso(dayEnd) })}`, {
        signal,
      }),
    isToday ? TIMELINE_REFRESH_MS : 0,
    [id, day],
  );
  const clips = usePoll((signal) => get(`/api/cameras/${encodeURIComponent(id)}/clips`, { signal }), 60 * SECOND, [id]);

  const name = camera.data ? camera.data.name : `Camera ${id}`;
  useTitle(`Recordings · ${name}`);

  // What is being played: {start, end, at} in ms. `t` in the URL is `at`;
  // chosenRef remembers the `t` this page wrote, so only a `t` from elsewhere
  // (a link, the address bar) restarts playback from the URL.
  const [play, setPlay] = useState(() => (tMs !== null ? { start: tMs, end: dayEnd, at: tMs } : null));
  const chosenRef = useRef(tParam);
  const [position, setPosition] = useState(null);
  const [cursor, setCursor] = useState(() =>
    tMs !== null ? tMs : isToday ? Math.floor(Date.now() / MIN) * MIN : dayStart,
  );
  const [range, setRangeState] = useState(null);
  const [rangeText, setRangeText] = useState({ from: '', to: '' });
  const [rangeTouched, setRangeTouched] = useState(false);
  const [anchor, setAnchor] = useState(null);
  const [notice, setNotice] = useState(null);
  const playerRef = useRef(null);

  useEffect(() => {
    if (tParam === chosenRef.current) return;
    chosenRef.current = tParam;
    setPosition(null);
    if (tMs === null) {
      setPlay(null);
      return;
    }
    setPlay({ start: tMs, end: dayEnd, at: tMs });
    setCursor(tMs);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tParam]);

  // The timeline of this day only: while another day's answer is still shown
  // (usePoll keeps the last data while it loads), draw nothing.
  const tl = timeline.data && Date.parse(timeline.data.start) === dayStart ? timeline.data : null;
  const spans = tl
    ? tl.spans
        .map((s) => ({
          start: Math.max(Date.parse(s.start), dayStart),
          end: Math.min(Date.parse(s.end), dayEnd),
          realStart: Date.parse(s.start),
          realEnd: Date.parse(s.end),
        }))
        .filter((s) => s.end > s.start)
    : [];

  const inDay = (ms) => ms !== null && ms >= dayStart && ms <= dayEnd;
  const shownRange = range && inDay(range.start) && inDay(range.end) ? range : null;
  const shownAnchor = inDay(anchor) ? anchor : null;
  const cursorInDay = Math.min(Math.max(cursor, dayStart), dayEnd);

  // The range never reaches 24:00: a time input cannot say it.
  const setRange = (a, b, touched) => {
    const end = Math.min(b, dayEnd - SECOND);
    setRangeState({ start: a, end });
    setRangeText({ from: clock(a), to: clock(end) });
    if (touched) setRangeTouched(true);
  };

  const goToDay = (d) => {
    if (!parseDay(d)) return;
    const [ds] = dayBounds(d);
    chosenRef.current = null;
    setPlay(null);
    setPosition(null);
    setRangeState(null);
    setRangeText({ from: '', to: '' });
    setRangeTouched(false);
    setAnchor(null);
    setNotice(null);
    setCursor(d === localDay(Date.now()) ? Math.floor(Date.now() / MIN) * MIN : ds);
    navigate(`recordings/${id}`, { day: d }, { replace: true });
  };

  const startPlayback = (at, end, d = day) => {
    const t = iso(at);
    chosenRef.current = t;
    setPlay({ start: at, end, at });
    setCursor(at);
    setPosition(null);
    navigate(`recordings/${id}`, { day: d, t }, { replace: true });
  };

  // From the bar (click or Enter): inside a span, from that moment; in a gap,
  // from the next recording (saying so); to the end of the day.
  const playFrom = (ms) => {
    if (isToday && ms > Date.now()) {
      setNotice(`${timeWords(ms, dayEnd)} has not happened yet: nothing to play.`);
      return;
    }
    if (!tl) {
      // The timeline has not loaded yet: play from there; the player says if nothing is.
      startPlayback(ms, dayEnd);
      return;
    }
    let span = spans.find((s) => s.start <= ms && ms < s.end);
    let at = ms;
    if (!span) {
      span = spans.find((s) => s.start > ms);
      if (!span) {
        setNotice(
          spans.length ? `Nothing was recorded after ${timeWords(ms, dayEnd)} on ${day}.` : `Nothing was recorded on ${day}.`,
        );
        return;
      }
      at = span.start;
      setNotice(`Nothing was recorded at ${clock(ms)}: playing from the next recording, at ${clock(at)}.`);
    } else setNotice(null);
    if (!rangeTouched) setRange(span.start, span.end, false);
    startPlayback(at, dayEnd);
  };

  const playSpan = (s) => {
    setNotice(null);
    if (!rangeTouched) setRange(s.start, s.end, false);
    startPlayback(s.start, s.end);
    scrollToPlayer();
  };

  const scrollToPlayer = () => {
    const el = playerRef.current;
    if (el && el.scrollIntoView) el.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  };

  const playClip = (c) => {
    const s = Date.parse(c.start);
    const e = Date.parse(c.end);
    const d = localDay(s);
    const [, de] = dayBounds(d);
    setNotice(null);
    setAnchor(null);
    setRangeState({ start: s, end: Math.min(e, de - SECOND) });
    setRangeText({ from: clock(s), to: clock(Math.min(e, de - SECOND)) });
    setRangeTouched(true);
    startPlayback(s, e, d);
    scrollToPlayer();
  };

  // Shift+click / Shift+Enter: the first marks the range's start, the second its end.
  const rangePoint = (ms) => {
    if (shownAnchor === null) {
      setAnchor(ms);
      setNotice(`Range start: ${timeWords(ms, dayEnd)}. Shift+click (or Shift+Enter) again to set its end.`);
      return;
    }
    const a = Math.min(shownAnchor, ms);
    const b = Math.max(shownAnchor, ms);
    setAnchor(null);
    setRange(a, b, true);
    setNotice(`Range: ${clock(a)} – ${clock(Math.min(b, dayEnd - SECOND))}.`);
  };

  const onRangeInput = (which, value) => {
    setRangeText((t) => ({ ...t, [which]: value }));
    const ms = timeOnDay(day, value);
    if (ms === null) return; // an incomplete time: wait for the rest
    setRangeTouched(true);
    setRangeState((r) => {
      const base = r || { start: ms, end: ms };
      return which === 'from' ? { ...base, start: ms } : { ...base, end: ms };
    });
  };

  if (camera.error && camera.error.status === 404) {
    return (
      <section class="view recordings">
        <div class="view-header">
          <h1>Recordings</h1>
          <span class="spacer" />
          <CameraPicker cameras={cams.data ? cams.data.cameras : []} value={String(id)} loading={false} />
        </div>
        <ErrorBanner error={camera.error} />
        <p>
          <a href={href('recordings')}>Choose another camera</a>. A deleted camera's clips are kept until they are
          deleted; any left are listed here.
        </p>
        <ClipsPanel cameraId={id} clips={clips} onPlay={null} />
      </section>
    );
  }

  const recordedMs = tl ? spans.reduce((n, s) => n + (s.end - s.start), 0) : 0;
  const now = Date.now();

  return (
    <section class="view recordings">
      <div class="view-header">
        <h1>
          Recordings <span class="rec-camera-name">· {name}</span>
        </h1>
        <span class="spacer" />
        <CameraPicker cameras={cams.data ? cams.data.cameras : []} value={String(id)} loading={false} />
      </div>
      <ErrorBanner error={camera.error} onRetry={camera.reload} />

      <RecordingStatus id={id} />

      <div class="panel rec-section rec-day">
        <h2 class="sr-only">Timeline</h2>
        <div class="rec-day-controls">
          <button type="button" class="btn" onClick={() => goToDay(shiftDay(day, -1))}>
            <span aria-hidden="true">‹</span> Previous day
          </button>
          <div class="field rec-day-field">
            <label for="rec-day">Day</label>
            <input
              type="date"
              id="rec-day"
              value={day}
              max={today}
              onChange={(e) => e.currentTarget.value && goToDay(e.currentTarget.value)}
            />
          </div>
          <button
            type="button"
            class="btn"
            aria-disabled={day >= today ? 'true' : undefined}
            title={day >= today ? 'Nothing is recorded in the future' : undefined}
            onClick={() => day < today && goToDay(shiftDay(day, 1))}
          >
            Next day <span aria-hidden="true">›</span>
          </button>
          <button type="button" class="btn" onClick={() => goToDay(localDay(Date.now()))} aria-pressed={isToday}>
            Today
          </button>
        </div>

        <p class="rec-summary">
          {!tl && timeline.loading && 'Loading the timeline…'}
          {tl &&
            (spans.length
              ? `${duration(recordedMs)} recorded in ${plural(spans.length, 'span')}` +
                (tl.bytes !== undefined ? ` (${bytes(tl.bytes)})` : '') +
                (spans.length > 1 ? `, ${plural(spans.length - 1, 'gap')}` : '') +
                (isToday ? '. Updated every 30 s.' : '.')
              : isToday
                ? 'Nothing recorded yet today.'
                : `Nothing was recorded on ${day}.`)}
        </p>
        {tl && tl.truncated && (
          <div class="banner banner-info" role="status">
            This day has more recorded files than one timeline reads (50,000): it stops at{' '}
            {spans.length ? timeWords(spans[spans.length - 1].end, dayEnd) : 'its start'}, and later recordings are not shown.
          </div>
        )}
        <ErrorBanner error={timeline.error} onRetry={timeline.reload} />

        <Timeline
          dayStart={dayStart}
          dayEnd={dayEnd}
          label={day}
          spans={spans}
          now={isToday ? now : null}
          position={position}
          range={shownRange}
          anchor={shownAnchor}
          cursor={cursorInDay}
          onCursor={setCursor}
          onPlay={playFrom}
          onRangePoint={rangePoint}
          describedBy="timeline-help"
        />
        <p id="timeline-help" class="rec-help muted">
          Click to play from that moment; Shift+click twice to choose a range. Keys: ← → 1 min (with Shift 10 min),
          Page Up/Down 1 h, Home/End, Enter plays, Shift+Enter marks the range, + and − zoom.
        </p>
        <p class="rec-notice" role="status">
          {notice}
        </p>
      </div>

      <div class="rec-grid">
        <div class="panel rec-section rec-player" ref={playerRef}>
          <h2>Playback</h2>
          {play ? (
            <Playback
              cameraId={id}
              start={play.start}
              end={play.end}
              at={play.at}
              onPosition={setPosition}
              title={`Recording of ${name}`}
            />
          ) : (
            <div class="rec-player-empty">
              <p>Click the timeline, or a span's Play button, to watch the recording from that moment.</p>
            </div>
          )}
        </div>

        <RangePanel
          cameraId={id}
          day={day}
          range={shownRange}
          text={rangeText}
          spans={spans}
          onInput={onRangeInput}
          onKept={clips.reload}
        />
      </div>

      <div class="rec-grid">
        <div class="panel rec-section">
          <h2>Recorded on {day}</h2>
          {tl && !spans.length && <Empty>{isToday ? 'Nothing recorded yet today.' : 'Nothing was recorded.'}</Empty>}
          {spans.length > 0 && (
            <ul class="span-list" aria-label={`Recorded spans on ${day}`}>
              {spans.map((s) => {
                const words = `${clock(s.start)} – ${timeWords(s.end, dayEnd)}`;
                return (
                  <li key={s.start}>
                    <span class="span-words">
                      {words}, {duration(s.end - s.start)}
                      {s.realStart < dayStart && <span class="muted"> (from the day before)</span>}
                      {s.realEnd > dayEnd && <span class="muted"> (into the next day)</span>}
                    </span>
                    <span class="span-actions">
                      <button
                        type="button"
                        class="btn btn-small"
                        aria-label={`Play ${words}`}
                        onClick={() => playSpan(s)}
                      >
                        Play
                      </button>
                      <button
                        type="button"
                        class="btn btn-small"
                        aria-label={`Select ${words} for export or a clip`}
                        onClick={() => {
                          setRange(s.start, s.end, true);
                          setAnchor(null);
                          setNotice(`Range: ${words}.`);
                        }}
                      >
                        Select
                      </button>
                    </span>
                  </li>
                );
              })}
            </ul>
          )}
        </div>
        <ClipsPanel cameraId={id} clips={clips} onPlay={playClip} />
      </div>

      <ExpiringPanel
        cameras={camera.data ? [camera.data] : []}
        camerasLoaded={!!camera.data}
        cameraId={id}
        onKept={clips.reload}
      />
    </section>
  );
}

// ---- recording status, start and stop ----

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

function RecordingStatus({ id }) {
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

// ---- the range: export and keep as clip ----

function RangePanel({ cameraId, day, range, text, spans, onInput, onKept }) {
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

// ---- clips ----

function ClipsPanel({ cameraId, clips, onPlay }) {
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

// ---- expiring soon ----

// `camerasLoaded`: `cameras` is the real list, so a camera missing from it was deleted.
function ExpiringPanel({ cameras, camerasLoaded, cameraId, onKept }) {
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

