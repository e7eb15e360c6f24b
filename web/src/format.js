// How the console writes times, rates, sizes and counts. Times are shown in
// the browser's time zone; the API speaks UTC.

const pad = (n) => String(n).padStart(2, '0');

// "2026-11-22 14:03:07"; "—" for null.
export function dateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (isNaN(d)) return String(iso);
  return `${localDay(d.getTime())} ${clock(d.getTime())}`;
}

// "14:03:07".
export function clock(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// The calendar day of a time as YYYY-MM-DD.
export function localDay(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// A length in whole units, rounded down: "42 s", "37 min", "1 h 4 min".
export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return m ? `${h} h ${m} min` : `${h} h`;
}

export function kbps(v) {
  if (v === null || v === undefined) return '—';
  return v >= 1000 ? `${(v / 1000).toFixed(1)} Mb/s` : `${Math.round(v)} kb/s`;
}

// "25 fps", "7.5 fps"; "— fps" when unknown.
export function fps(v) {
  if (v === null || v === undefined || !isFinite(v)) return '— fps';
  return `${v >= 10 ? Math.round(v) : v.toFixed(1)} fps`;
}

export function bytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

// "1 camera", "3 cameras"; `many` for irregular plurals.
export function plural(n, one, many = one + 's') {
  return `${n} ${n === 1 ? one : many}`;
}
