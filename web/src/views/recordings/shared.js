// Small helpers several parts of the Recordings view need.
import { dateTime, clock, localDay } from '../../format.js';

export const SECOND = 1000;
export const MIN = 60 * SECOND;
export const HOUR = 60 * MIN;

export const iso = (ms) => new Date(ms).toISOString();

// "2026-11-21 10:02:00 – 10:04:30", the end's date only when it differs.
export function rangeWords(startMs, endMs) {
  const a = dateTime(iso(startMs));
  return localDay(startMs) === localDay(endMs - 1) ? `${a} – ${clock(endMs)}` : `${a} – ${dateTime(iso(endMs))}`;
}

// The fields of the clip forms an API error can be about (error.field).
export const CLIP_FIELDS = ['name', 'start', 'end'];
