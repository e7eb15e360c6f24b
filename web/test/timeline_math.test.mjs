// Unit tests of web/src/timeline_math.js, the recordings timeline's local-time
// arithmetic. They hold in any time zone; the daylight-saving cases check
// themselves only where the zone has them, so run them under several:
//   TZ=Europe/Berlin node --test web/test/
//   TZ=America/New_York node --test web/test/
//   TZ=UTC node --test web/test/
// (tests/integration/test_web_unit.py does.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clockMarks, dayBounds, parseDay, shiftDay, timeOnDay, timeWords } from '../src/timeline_math.js';
import { clock } from '../src/format.js';

const MIN = 60 * 1000;
const HOUR = 60 * MIN;
const TZ = Intl.DateTimeFormat().resolvedOptions().timeZone;

// The zones' DST days of 2026: [23 h day, 25 h day], and the skipped and repeated hour.
const DST = {
  'Europe/Berlin': { short: '2026-03-29', long: '2026-10-25', skipped: 2, repeated: 2 },
  'America/New_York': { short: '2026-03-08', long: '2026-11-01', skipped: 2, repeated: 1 },
};
const dst = DST[TZ];

const hms = (list) => list.map(clock);
const range = (day, from, to, step) => clockMarks(timeOnDay(day, from), timeOnDay(day, to), step);

const isUtc = TZ === 'UTC' || TZ === 'Etc/UTC';

test('every day of 2026 ticks every 10 min of real time, from midnight to midnight', () => {
  // Holds in any zone whose clock changes are whole multiples of 10 min (all
  // today's): the bug this guards against dropped ticks after a DST change.
  let day = '2026-01-01';
  let days = 0;
  const lengths = new Set();
  while (day.startsWith('2026')) {
    const [a, b] = dayBounds(day);
    lengths.add((b - a) / HOUR);
    const m = clockMarks(a, b, 10);
    assert.equal(m[0], a, day);
    assert.equal(m[m.length - 1], b, day);
    assert.equal(m.length, (b - a) / (10 * MIN) + 1, day);
    for (let i = 1; i < m.length; i++) assert.equal(m[i] - m[i - 1], 10 * MIN, `${day} ${clock(m[i])}`);
    day = shiftDay(day, 1);
    days++;
  }
  assert.equal(days, 365);
  if (dst) assert.deepEqual([...lengths].sort(), [23, 24, 25]);
  if (isUtc) assert.deepEqual([...lengths], [24]);
});

test('parseDay accepts real days only', () => {
  assert.equal(parseDay('2026-11-22'), '2026-11-22');
  assert.equal(parseDay('2026-02-29'), null);
  assert.equal(parseDay('2028-02-29'), '2028-02-29');
  assert.equal(parseDay('2026-02-31'), null);
  assert.equal(parseDay('2026-1-2'), null);
  assert.equal(parseDay(''), null);
  assert.equal(parseDay(null), null);
});

test('shiftDay crosses months, years and DST days', () => {
  assert.equal(shiftDay('2026-12-31', 1), '2027-01-01');
  assert.equal(shiftDay('2026-03-01', -1), '2026-02-28');
  for (const day of ['2026-03-08', '2026-03-29', '2026-10-25', '2026-11-01']) {
    assert.equal(shiftDay(shiftDay(day, 1), -1), day);
    assert.equal(shiftDay(day, 0), day);
  }
});

test('a normal day is 24 h from local midnight', () => {
  const [a, b] = dayBounds('2026-06-15');
  assert.equal(b - a, 24 * HOUR);
  assert.equal(clock(a), '00:00:00');
  assert.equal(clock(b), '00:00:00');
  assert.equal(new Date(a).getDate(), 15);
  assert.equal(new Date(b).getDate(), 16);
  // Consecutive days tile the time line.
  assert.equal(dayBounds('2026-06-16')[0], b);
});

test('ticks on a normal day sit on round clock times', () => {
  const [a, b] = dayBounds('2026-06-15');
  const hours = clockMarks(a, b, 60);
  assert.equal(hours.length, 25); // 00:00 ... 23:00 and the next midnight
  assert.deepEqual(hms(hours.slice(0, 3)), ['00:00:00', '01:00:00', '02:00:00']);
  assert.deepEqual(hms(range('2026-06-15', '14:00', '15:00', 10)), [
    '14:00:00', '14:10:00', '14:20:00', '14:30:00', '14:40:00', '14:50:00', '15:00:00',
  ]);
  // A window that does not start on a round time starts at the next one.
  assert.deepEqual(hms(range('2026-06-15', '07:53:37', '08:20', 15)), ['08:00:00', '08:15:00']);
  assert.deepEqual(hms(clockMarks(a, b, 360)), ['00:00:00', '06:00:00', '12:00:00', '18:00:00', '00:00:00']);
  for (const step of [1, 5, 15, 120]) {
    const m = clockMarks(a, b, step);
    assert.equal(m.length, (24 * 60) / step + 1, `step ${step}`);
    for (let i = 1; i < m.length; i++) assert.equal(m[i] - m[i - 1], step * MIN);
  }
});

test('an empty or reversed window has no ticks', () => {
  const [a] = dayBounds('2026-06-15');
  assert.deepEqual(clockMarks(a + 1, a + 1000, 1), []);
  assert.deepEqual(clockMarks(a + HOUR, a, 10), []);
});

test('timeWords says 24:00:00 at the end of the day', () => {
  const [a, b] = dayBounds('2026-06-15');
  assert.equal(timeWords(b, b), '24:00:00');
  assert.equal(timeWords(b - 1000, b), '23:59:59');
  assert.equal(timeWords(a, b), '00:00:00');
});

test('the day clocks go back is 25 h long and ticks every hour it has', { skip: !dst && `no DST days listed for TZ=${TZ}` }, () => {
  const day = dst.long;
  const [a, b] = dayBounds(day);
  assert.equal(b - a, 25 * HOUR);
  assert.equal(clock(a), '00:00:00');
  assert.equal(clock(b), '00:00:00');
  const hours = clockMarks(a, b, 60);
  assert.equal(hours.length, 26); // 25 hours and the next midnight
  for (let i = 1; i < hours.length; i++) assert.equal(hours[i] - hours[i - 1], HOUR);
  const rep = `${String(dst.repeated).padStart(2, '0')}:00:00`;
  assert.equal(hms(hours).filter((h) => h === rep).length, 2, `${rep} twice`);
  // The zoomed windows after the change keep their first ticks (the bug: 14:00–14:30 were missing).
  assert.deepEqual(hms(range(day, '14:00', '15:00', 10)), [
    '14:00:00', '14:10:00', '14:20:00', '14:30:00', '14:40:00', '14:50:00', '15:00:00',
  ]);
  assert.deepEqual(hms(range(day, '23:00', '23:59', 15)), ['23:00:00', '23:15:00', '23:30:00', '23:45:00']);
  // Through the repeated hour: every 10 minutes of real time has its tick.
  const from = a + (dst.repeated - 1) * HOUR; // an hour before the repeated hour begins
  const m = clockMarks(from, from + 3 * HOUR, 10);
  assert.equal(m.length, 19);
  for (let i = 1; i < m.length; i++) assert.equal(m[i] - m[i - 1], 10 * MIN);
  // Six-hour ticks follow the clock: the 06:00 tick is 7 h after midnight.
  const six = clockMarks(a, b, 360);
  assert.deepEqual(hms(six), ['00:00:00', '06:00:00', '12:00:00', '18:00:00', '00:00:00']);
  assert.equal(six[1] - six[0], 7 * HOUR);
  // A time of day after the change is 25 − 24 = 1 h later than its naive offset.
  assert.equal(timeOnDay(day, '12:00:00') - a, 13 * HOUR);
  assert.equal(timeWords(b, b), '24:00:00');
});

test('the day clocks go forward is 23 h long and skips its missing hour', { skip: !dst && `no DST days listed for TZ=${TZ}` }, () => {
  const day = dst.short;
  const [a, b] = dayBounds(day);
  assert.equal(b - a, 23 * HOUR);
  assert.equal(clock(a), '00:00:00');
  const hours = clockMarks(a, b, 60);
  assert.equal(hours.length, 24); // 23 hours and the next midnight
  const skipped = `${String(dst.skipped).padStart(2, '0')}:00:00`;
  assert.ok(!hms(hours).includes(skipped), `${skipped} does not exist`);
  for (let i = 1; i < hours.length; i++) assert.equal(hours[i] - hours[i - 1], HOUR);
  assert.deepEqual(hms(range(day, '14:00', '15:00', 10)), [
    '14:00:00', '14:10:00', '14:20:00', '14:30:00', '14:40:00', '14:50:00', '15:00:00',
  ]);
  // Across the jump: 10-minute ticks go from hh:50 to the first round time after it.
  const before = timeOnDay(day, `${String(dst.skipped - 1).padStart(2, '0')}:40`);
  const m = clockMarks(before, before + HOUR, 10);
  assert.deepEqual(hms(m).slice(0, 4), [
    `${String(dst.skipped - 1).padStart(2, '0')}:40:00`,
    `${String(dst.skipped - 1).padStart(2, '0')}:50:00`,
    `${String(dst.skipped + 1).padStart(2, '0')}:00:00`,
    `${String(dst.skipped + 1).padStart(2, '0')}:10:00`,
  ]);
  assert.equal(m[2] - m[1], 10 * MIN);
  assert.equal(timeOnDay(day, '12:00:00') - a, 11 * HOUR);
  assert.deepEqual(hms(clockMarks(a, b, 360)), ['00:00:00', '06:00:00', '12:00:00', '18:00:00', '00:00:00']);
});

test('in UTC every day is 24 h', { skip: !isUtc && `TZ=${TZ}` }, () => {
  for (const day of ['2026-03-08', '2026-03-29', '2026-10-25', '2026-11-01']) {
    const [a, b] = dayBounds(day);
    assert.equal(b - a, 24 * HOUR, day);
    assert.equal(new Date(a).toISOString(), `${day}T00:00:00.000Z`);
    assert.equal(clockMarks(a, b, 60).length, 25);
    assert.deepEqual(hms(range(day, '14:00', '15:00', 10)).length, 7);
  }
});
