// What an hls.js ERROR event says, for the players to put in words: the HTTP
// status, vigil's own JSON error when the body is at hand, and whether the
// playlist (rather than a media file) failed. Used by the live player
// (player.jsx) and the recordings player (playback.jsx).
//
// hls.js gives the status in data.response.code and the request in
// data.networkDetails: with its default XHR loader, an XMLHttpRequest whose
// responseText holds vigil's {"error": {"code", "message"}} for a playlist
// (a media file's XHR is binary, and reading its text throws).
export function hlsErrorInfo(data) {
  const xhr = data && data.networkDetails;
  const status = (data && data.response && data.response.code) || (xhr && typeof xhr.status === 'number' ? xhr.status : 0) || 0;
  let apiError = null;
  try {
    const text = xhr && typeof xhr.responseText === 'string' ? xhr.responseText : '';
    const err = text ? JSON.parse(text).error : null;
    if (err && (err.code || err.message)) apiError = { code: err.code || '', message: err.message || '' };
  } catch {
    /* not vigil's JSON, or a binary body */
  }
  const details = (data && data.details) || '';
  return { status, apiError, details, isPlaylist: /manifest|level|playlist/i.test(details) };
}
