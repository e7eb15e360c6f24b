// The one place the console talks to vigil's REST API (docs/api.md).
// Every failure becomes an ApiError carrying the API's own code, message and,
// for a validation error, the field it is about, so a form can show it there.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status; // HTTP status, 0 when vigil could not be reached
    this.code = code; // "invalid_request", "not_found", ... or "network"
    this.field = field || null; // the body field or query parameter at fault
  }
}

// Sends one request; resolves with the parsed JSON body (null for 204), rejects with ApiError.
export async function request(method, path, body, { signal } = {}) {
  const init = { method, headers: { Accept: 'application/json' }, signal };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'vigil cannot be reached: ' + e.message);
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* a non-JSON body: reported below */
  }
  if (!res.ok) {
    const err = json && json.error;
    if (err) throw new ApiError(res.status, err.code, err.message, err.field);
    // GET /health's 503 says why in store.reason rather than an error object.
    const reason = json && json.store && json.store.reason;
    if (reason) throw new ApiError(res.status, json.status || 'unhealthy', reason);
    throw new ApiError(res.status, 'http_' + res.status, `${method} ${path}: HTTP ${res.status}`);
  }
  return json;
}

export const get = (path, opts) => request('GET', path, undefined, opts);
export const post = (path, body, opts) => request('POST', path, body, opts);
export const patch = (path, body, opts) => request('PATCH', path, body, opts);
export const del = (path, opts) => request('DELETE', path, undefined, opts);

// A query string from an object, leaving out null and undefined values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}

// ---- The questions several views ask ----

// Every camera (up to 1000), each with `stream`: its live stream with stats, or null.
export async function camerasWithStreams(signal) {
  const r = await get('/api/cameras?with=stream&limit=1000', { signal });
  return r.cameras;
}

// A camera's live stream (any status but STOPPED), or null.
export async function liveStreamOf(cameraId, signal) {
  const r = await get(`/api/streams${query({ camera_id: cameraId, status: 'live', limit: 1 })}`, { signal });
  return r.streams[0] || null;
}
