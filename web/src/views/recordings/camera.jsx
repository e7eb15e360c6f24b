// #/recordings/{id}: one camera's local day. This page holds the state its
// panels share (the day, what is played, the range, the notice) and lays
// them out: recording status, the day and its timeline, playback, export or
// keep a range, the spans, the clips, and what of it expires soon.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, query as qs } from '../../api.js';
import { navigate, href } from '../../router.js';
import { usePoll, useTitle } from '../../hooks.js';
import { clock, localDay } from '../../format.js';
import { parseDay, dayBounds, timeOnDay, timeWords } from '../../timeline_math.js';
import { ErrorBanner } from '../../components/common.jsx';
import { SECOND, MIN, iso } from './shared.js';
import { CameraPicker } from './picker.jsx';
import { RecordingStatus } from './status.jsx';
import { DayPanel } from './day.jsx';
import { PlaybackPanel } from './playback.jsx';
import { RangePanel } from './range.jsx';
import { SpansPanel } from './spans.jsx';
import { ClipsPanel } from './clips.jsx';
import { ExpiringPanel } from './expiring.jsx';

const TIMELINE_REFRESH_MS = 30 * SECOND;

// A "day" is a local calendar day, YYYY-MM-DD (timeline_math.js does the arithmetic).

export function CameraRecordings({ id, query }) {
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

  // A span's Select: the span becomes the range.
  const selectSpan = (s, words) => {
    setRange(s.start, s.end, true);
    setAnchor(null);
    setNotice(`Range: ${words}.`);
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

      <DayPanel
        day={day}
        today={today}
        isToday={isToday}
        dayStart={dayStart}
        dayEnd={dayEnd}
        timeline={timeline}
        tl={tl}
        spans={spans}
        now={isToday ? now : null}
        position={position}
        range={shownRange}
        anchor={shownAnchor}
        cursor={cursorInDay}
        notice={notice}
        onDay={goToDay}
        onCursor={setCursor}
        onPlay={playFrom}
        onRangePoint={rangePoint}
      />

      <div class="rec-grid">
        <PlaybackPanel panelRef={playerRef} cameraId={id} play={play} name={name} onPosition={setPosition} />

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
        <SpansPanel
          day={day}
          dayStart={dayStart}
          dayEnd={dayEnd}
          isToday={isToday}
          loaded={!!tl}
          spans={spans}
          onPlay={playSpan}
          onSelect={selectSpan}
        />
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
