// One local day of a camera's recordings as a horizontal bar: hour ticks,
// the recorded spans filled, the gaps left empty, "now" (today), the
// playback position, and the range chosen for an export or a clip.
//
// The bar is a single focusable control (role="slider") whose value is a
// cursor time, so the whole day is reachable from the keyboard:
//   Left/Right (Down/Up)  ±1 min, with Shift ±10 min
//   PageUp/PageDown       ±1 h
//   Home/End              the day's start and end
//   Enter                 play from the cursor; Shift+Enter: range start, then end
//   + / -                 zoom in / out
// With a pointer: hover shows the time under it, a click plays from there,
// Shift+click marks the range's start, then its end.
//
// A whole day on a phone is a pixel per four minutes, so the bar can zoom to
// 6 h or 1 h around the cursor (buttons beside it); it shows the whole day
// unless asked. All times are epoch milliseconds; the day is [dayStart,
// dayEnd), 23 or 25 hours long on a daylight-saving day (ticks follow the clock).
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { clockMarks, timeWords as dayTimeWords } from '../timeline_math.js';
import './timeline.css';

const MIN = 60 * 1000;
const HOUR = 60 * MIN;
const ZOOMS = [
  { label: 'Day', ms: null },
  { label: '6 h', ms: 6 * HOUR },
  { label: '1 h', ms: HOUR },
];
// Tick and label steps, in minutes of the local clock.
const STEPS = [1, 5, 10, 15, 30, 60, 120, 180, 360];
const LABEL_PX = 58; // room one "HH:MM" label needs
const SNAP_PX = 6; // a click this close to a recording plays it

export function isRecorded(spans, ms) {
  return spans.some((s) => s.start <= ms && ms < s.end);
}

export function Timeline({
  dayStart,
  dayEnd,
  label,
  spans,
  now = null,
  position = null,
  range = null,
  anchor = null,
  cursor,
  onCursor,
  onPlay,
  onRangePoint,
  describedBy,
}) {
  const trackRef = useRef(null);
  const [hover, setHover] = useState(null);
  const [focused, setFocused] = useState(false);
  const [zoom, setZoom] = useState(0);
  const [viewStart, setViewStart] = useState(dayStart);
  const [width, setWidth] = useState(1000);
  // The last pointer x: PointerEvents give sub-pixel positions, the click's
  // MouseEvent a rounded one; using the pointer's keeps the click on the
  // time the hover tip showed (one pixel is over a minute of a day).
  const pointerX = useRef(null);
  const lastPosition = useRef(null);

  const dayLength = dayEnd - dayStart;
  const len = ZOOMS[zoom].ms ? Math.min(ZOOMS[zoom].ms, dayLength) : dayLength;
  const fitView = (start) => Math.min(Math.max(start, dayStart), dayEnd - len);
  const vs = fitView(viewStart);
  const ve = vs + len;
  const zoomed = len < dayLength;

  const clampDay = (ms) => Math.min(Math.max(ms, dayStart), dayEnd);
  const clampView = (ms) => Math.min(Math.max(ms, vs), ve);
  const frac = (ms) => (clampView(ms) - vs) / len;
  const pct = (ms) => `${frac(ms) * 100}%`;
  const widthPct = (a, b) => `${((clampView(b) - clampView(a)) / len) * 100}%`;
  const inView = (ms) => ms !== null && ms >= vs && ms <= ve;
  // The end of the day shows as 24:00, not as the next day's 00:00:00.
  const timeWords = (ms) => dayTimeWords(ms, dayEnd);

  // The bar's width decides how many labels fit.
  useLayoutEffect(() => {
    const el = trackRef.current;
    if (!el) return undefined;
    setWidth(el.getBoundingClientRect().width || 1000);
    if (typeof ResizeObserver === 'undefined') return undefined;
    const ro = new ResizeObserver((entries) => setWidth(entries[0].contentRect.width || 1000));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Zoomed, the window follows the cursor (keys, clicks) when it leaves it,
  // and the playback position when playing carries it past the window's end.
  useEffect(() => {
    if (zoomed && !inView(cursor)) setViewStart(fitView(cursor - len / 2));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cursor, zoom, dayStart]);
  useEffect(() => {
    const before = lastPosition.current;
    lastPosition.current = position;
    if (zoomed && position !== null && before !== null && inView(before) && !inView(position)) {
      setViewStart(fitView(position - len * 0.1));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [position]);

  const setZoomAround = (z) => {
    const zl = ZOOMS[z].ms ? Math.min(ZOOMS[z].ms, dayLength) : dayLength;
    const centre = inView(position) ? position : cursor;
    setZoom(z);
    // On a round time (07:55, not 07:53:37), so the window reads well.
    const d = new Date(centre - zl / 2);
    const step = zl / 12 / MIN;
    const rounded = new Date(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), Math.round(d.getMinutes() / step) * step);
    setViewStart(Math.min(Math.max(rounded.getTime(), dayStart), dayEnd - zl));
  };
  const pan = (dir) => setViewStart(fitView(vs + (dir * len) / 2));

  const timeAt = (clientX) => {
    const r = trackRef.current.getBoundingClientRect();
    const f = Math.min(Math.max((clientX - r.left) / r.width, 0), 1);
    // Whole seconds: what the time inputs and the links can say.
    return clampDay(Math.round((vs + f * len) / 1000) * 1000);
  };

  const onKeyDown = (e) => {
    let next = null;
    const step = e.shiftKey ? 10 * MIN : MIN;
    switch (e.key) {
      case 'ArrowLeft':
      case 'ArrowDown':
        next = cursor - step;
        break;
      case 'ArrowRight':
      case 'ArrowUp':
        next = cursor + step;
        break;
      case 'PageUp':
        next = cursor + HOUR;
        break;
      case 'PageDown':
        next = cursor - HOUR;
        break;
      case 'Home':
        next = dayStart;
        break;
      case 'End':
        next = dayEnd;
        break;
      case 'Enter':
        e.preventDefault();
        if (e.shiftKey) onRangePoint(cursor);
        else onPlay(cursor);
        return;
      case '+':
      case '=':
        e.preventDefault();
        if (zoom < ZOOMS.length - 1) setZoomAround(zoom + 1);
        return;
      case '-':
        e.preventDefault();
        if (zoom > 0) setZoomAround(zoom - 1);
        return;
      default:
        return;
    }
    e.preventDefault();
    onCursor(clampDay(next));
  };

  // On a day's bar a pixel is over a minute, so a short recording is a sliver
  // no one can hit: a click within SNAP_PX of a span plays its nearest
  // recorded second rather than "not recorded".
  const snap = (ms) => {
    if (isRecorded(spans, ms)) return ms;
    const tolerance = (SNAP_PX / trackRef.current.getBoundingClientRect().width) * len;
    let best = ms;
    let bestDistance = tolerance;
    for (const sp of spans) {
      const t = ms < sp.start ? sp.start : Math.max(sp.start, Math.min(ms, sp.end - 1000));
      if (Math.abs(t - ms) <= bestDistance) (best = t), (bestDistance = Math.abs(t - ms));
    }
    return best;
  };

  const onClick = (e) => {
    const px = pointerX.current;
    const at = timeAt(px !== null && Math.abs(px - e.clientX) < 1 ? px : e.clientX);
    const ms = e.shiftKey ? at : snap(at);
    onCursor(ms);
    if (e.shiftKey) onRangePoint(ms);
    else onPlay(ms);
  };

  // Ticks about every 1/24 of the window; labels as dense as the width allows.
  const tickMin = STEPS.find((s) => s * MIN >= len / 30) || 60;
  const labelMin = STEPS.find((s) => s >= tickMin && (len / (s * MIN)) * LABEL_PX <= width) || 360;
  const ticks = clockMarks(vs, ve, tickMin);
  const labels = clockMarks(vs, ve, labelMin);
  const hm = (ms) => timeWords(ms).slice(0, 5);

  const valueText = `${timeWords(cursor)}, ${isRecorded(spans, cursor) ? 'recorded' : 'not recorded'}`;
  // Near the ends a label is anchored to its side so it stays on screen.
  const edge = (ms, margin) => {
    const f = frac(ms);
    const m = margin === undefined ? 70 / width : margin;
    return f < m ? ' at-start' : f > 1 - m ? ' at-end' : '';
  };
  const visibleSpans = spans.filter((s) => s.end > vs && s.start < ve);

  return (
    <div class="timeline-wrap">
      <div class="timeline-controls">
        <div class="timeline-zoom" role="group" aria-label="Zoom the timeline">
          {ZOOMS.map((z, i) => (
            <button
              key={z.label}
              type="button"
              class="btn btn-small"
              aria-pressed={zoom === i}
              onClick={() => setZoomAround(i)}
            >
              {z.label}
            </button>
          ))}
        </div>
        {zoomed && (
          <div class="timeline-pan">
            <button
              type="button"
              class="btn btn-small"
              aria-disabled={vs <= dayStart ? 'true' : undefined}
              onClick={() => vs > dayStart && pan(-1)}
            >
              <span aria-hidden="true">‹</span> Earlier
            </button>
            <span class="timeline-window">
              {hm(vs)} – {hm(ve)}
            </span>
            <button
              type="button"
              class="btn btn-small"
              aria-disabled={ve >= dayEnd ? 'true' : undefined}
              onClick={() => ve < dayEnd && pan(1)}
            >
              Later <span aria-hidden="true">›</span>
            </button>
          </div>
        )}
      </div>
      <div
        class={`timeline${focused ? ' is-focused' : ''}`}
        data-testid="timeline"
        role="slider"
        tabIndex={0}
        aria-label={`Timeline of ${label}`}
        aria-valuemin={0}
        aria-valuemax={Math.round(dayLength / 1000)}
        aria-valuenow={Math.round((cursor - dayStart) / 1000)}
        aria-valuetext={valueText}
        aria-describedby={describedBy}
        onKeyDown={onKeyDown}
        onFocus={() => setFocused(true)}
        onBlur={() => setFocused(false)}
        onClick={onClick}
        onPointerDown={(e) => (pointerX.current = e.clientX)}
        onPointerMove={(e) => {
          pointerX.current = e.clientX;
          setHover(timeAt(e.clientX));
        }}
        onPointerLeave={() => {
          pointerX.current = null;
          setHover(null);
        }}
      >
        <div class="timeline-track" ref={trackRef}>
          {ticks.map((ms) => (
            <span key={ms} class="timeline-tick" style={{ left: pct(ms) }} />
          ))}
          {now !== null && now < ve && (
            <span class="timeline-future" style={{ left: pct(now), width: widthPct(now, ve) }} />
          )}
          {visibleSpans.map((s) => (
            <span key={s.start} class="timeline-span" style={{ left: pct(s.start), width: widthPct(s.start, s.end) }} />
          ))}
          {range && range.end > range.start && range.end > vs && range.start < ve && (
            <span class="timeline-range" style={{ left: pct(range.start), width: widthPct(range.start, range.end) }} />
          )}
          {anchor !== null && inView(anchor) && <span class="timeline-anchor" style={{ left: pct(anchor) }} />}
          {now !== null && inView(now) && (
            <span class="timeline-now" style={{ left: pct(now) }}>
              <span class="timeline-flag">now</span>
            </span>
          )}
          {inView(position) && (
            <span class="timeline-position" data-testid="timeline-position" style={{ left: pct(position) }} />
          )}
          {focused && inView(cursor) && <span class="timeline-cursor" style={{ left: pct(cursor) }} />}
          {hover !== null ? (
            <span class={`timeline-tip${edge(hover)}`} style={{ left: pct(hover) }}>
              {timeWords(hover)}
              {isRecorded(spans, hover) ? '' : ' · not recorded'}
            </span>
          ) : (
            focused && (
              <span class={`timeline-tip${edge(cursor)}`} style={{ left: pct(cursor) }}>
                {valueText}
              </span>
            )
          )}
        </div>
        <div class="timeline-hours" aria-hidden="true">
          {labels.map((ms) => (
            <span key={ms} class={`timeline-hour${edge(ms, 0.005)}`} style={{ left: pct(ms) }}>
              {hm(ms)}
            </span>
          ))}
        </div>
      </div>
    </div>
  );
}
