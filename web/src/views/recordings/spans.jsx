// The day's recorded spans, each with Play and Select (for export or a clip).
import { clock, duration } from '../../format.js';
import { timeWords } from '../../timeline_math.js';
import { Empty } from '../../components/common.jsx';

// `loaded`: the day's timeline has loaded (until then, no "nothing recorded").
// `onSelect(span, words)` makes the span the range.
export function SpansPanel({ day, dayStart, dayEnd, isToday, loaded, spans, onPlay, onSelect }) {
  return (
    <div class="panel rec-section">
      <h2>Recorded on {day}</h2>
      {loaded && !spans.length && <Empty>{isToday ? 'Nothing recorded yet today.' : 'Nothing was recorded.'}</Empty>}
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
                  <button type="button" class="btn btn-small" aria-label={`Play ${words}`} onClick={() => onPlay(s)}>
                    Play
                  </button>
                  <button
                    type="button"
                    class="btn btn-small"
                    aria-label={`Select ${words} for export or a clip`}
                    onClick={() => onSelect(s, words)}
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
  );
}
