// Small helpers more than one view needs.
import { duration, plural } from '../format.js';

const DAY_MS = 24 * 60 * 60 * 1000;

// The form field an API error is about (vigil names it in error.field), when
// the form has it (`fields`), else null: the error is then the form's as a whole.
export function fieldOf(err, fields) {
  return err && err.field && fields.includes(err.field) ? err.field : null;
}

// How long a retention plan (GET /api/plans) keeps recordings: "7 days", or,
// for one that is not whole days, its exact length ("12 h", "36 h").
export function planLength(plan) {
  const ms = plan.retention_ms ?? plan.retention_days * DAY_MS;
  return ms % DAY_MS === 0 ? plural(ms / DAY_MS, 'day') : duration(ms);
}
