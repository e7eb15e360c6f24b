// The day: the day picker (previous, a date, next, today), what was recorded
// that day, the timeline bar, and the notice about what a click did.
import { bytes, localDay, duration, plural } from '../../format.js';
import { shiftDay, timeWords } from '../../timeline_math.js';
import { ErrorBanner } from '../../components/common.jsx';
import { Timeline } from '../../components/timeline.jsx';

// `timeline` is the day's poll (loading, error, reload) and `tl` its answer
// once it is this day's (else null); `spans` are tl's, cut to the day.
// `range`, `anchor` and `cursor` are what the bar shows; `now` is null on
// another day than today. `onDay` opens a day.
export function DayPanel({
  day,
  today,
  isToday,
  dayStart,
  dayEnd,
  timeline,
  tl,
  spans,
  now,
  position,
  range,
  anchor,
  cursor,
  notice,
  onDay,
  onCursor,
  onPlay,
  onRangePoint,
}) {
  const recordedMs = tl ? spans.reduce((n, s) => n + (s.end - s.start), 0) : 0;
  return (
    <div class="panel rec-section rec-day">
      <h2 class="sr-only">Timeline</h2>
      <div class="rec-day-controls">
        <button type="button" class="btn" onClick={() => onDay(shiftDay(day, -1))}>
          <span aria-hidden="true">‹</span> Previous day
        </button>
        <div class="field rec-day-field">
          <label for="rec-day">Day</label>
          <input
            type="date"
            id="rec-day"
            value={day}
            max={today}
            onChange={(e) => e.currentTarget.value && onDay(e.currentTarget.value)}
          />
        </div>
        <button
          type="button"
          class="btn"
          aria-disabled={day >= today ? 'true' : undefined}
          title={day >= today ? 'Nothing is recorded in the future' : undefined}
          onClick={() => day < today && onDay(shiftDay(day, 1))}
        >
          Next day <span aria-hidden="true">›</span>
        </button>
        <button type="button" class="btn" onClick={() => onDay(localDay(Date.now()))} aria-pressed={isToday}>
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
        now={now}
        position={position}
        range={range}
        anchor={anchor}
        cursor={cursor}
        onCursor={onCursor}
        onPlay={onPlay}
        onRangePoint={onRangePoint}
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
  );
}
