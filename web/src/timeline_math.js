// The recordings pages' time arithmetic, on the browser's local clock: a
// "day" is a local calendar day, YYYY-MM-DD, and every time is epoch ms.
// Local days are not all 24 h long: the day clocks go forward is 23 h, the
// day they go back is 25 h (02:00–03:00 happens twice in Europe). Nothing
// here may assume 24 h or that a local time exists exactly once.
// Plain JavaScript, no JSX or CSS: web/test/timeline_math.test.mjs runs it in node.
import { clock, localDay } from './format.js';

const MIN = 60 * 1000;

// "2026-11-22" → itself when it is a real calendar day, else null (rejects 2026-02-31).
export function parseDay(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
  if (!m) return null;
  const d = new Date(+m[1], +m[2] - 1, +m[3]);
  return localDay(d.getTime()) === s ? s : null;
}

// [local midnight, next local midnight) in epoch ms: 23 or 25 h on a DST day.
export function dayBounds(day) {
  const [y, m, d] = day.split('-').map(Number);
  return [new Date(y, m - 1, d).getTime(), new Date(y, m - 1, d + 1).getTime()];
}

// The day `n` calendar days after `day` (before, for a negative n).
export function shiftDay(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  return localDay(new Date(y, m - 1, d + n).getTime());
}

// "HH:MM[:SS]" on `day` (what <input type=time step=1> gives) → epoch ms, or
// null for an incomplete value. A time that happens twice (the hour clocks go
// back) is its first occurrence; one that never happens (the hour they skip)
// is moved forward by the skip, as Date does.
export function timeOnDay(day, value) {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value || '');
  if (!m) return null;
  const [y, mo, d] = day.split('-').map(Number);
  return new Date(y, mo - 1, d, +m[1], +m[2], +(m[3] || 0)).getTime();
}

// The clock time of `ms` on a day ending at `dayEnd`: the day's end shows as
// 24:00:00, not as the next day's 00:00:00.
export function timeWords(ms, dayEnd) {
  return ms >= dayEnd ? '24:00:00' : clock(ms);
}

// The times in [from, to] whose local clock is a whole multiple of `stepMin`
// minutes since midnight (09:00, 09:15, ...), so ticks sit on round times in
// any time zone, including those half an hour off UTC. It walks real time,
// not the clock: on the day clocks go back, the repeated hour has its ticks
// twice (each at its own moment), and on the day they go forward, the times
// that do not exist have none.
export function clockMarks(from, to, stepMin) {
  const step = stepMin * MIN;
  const offRound = (t) => sinceMidnight(t) % step; // 0 on a round time
  const marks = [];
  let t = from;
  for (let guard = 0; t <= to && guard < 10000; guard++) {
    const rest = offRound(t);
    if (rest === 0) {
      marks.push(t);
      if (t === to) break;
    }
    // The next round time, were the clock to run with real time...
    let next = t + (step - rest);
    const shift = (new Date(t).getTimezoneOffset() - new Date(next).getTimezoneOffset()) * MIN;
    // ... but it changed on the way (forward when shift > 0): then the round
    // time is `shift` off, unless it fell in the skipped or repeated stretch.
    if (shift && offRound(next) !== 0 && next - shift > t && offRound(next - shift) === 0) next -= shift;
    t = next;
  }
  return marks;
}

// ms since the local midnight of `t`'s day, by the clock (25 h can read 24:59).
function sinceMidnight(t) {
  const d = new Date(t);
  return ((d.getHours() * 60 + d.getMinutes()) * 60 + d.getSeconds()) * 1000 + d.getMilliseconds();
}
