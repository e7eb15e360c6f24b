// hls.js is about 400 KiB, so it is a chunk of its own (build.mjs splits it),
// fetched the first time a player needs it: the live player's fallback and
// recordings playback. Returns the Hls class; rejects when the chunk cannot load.
let pending = null;
export function loadHls() {
  if (!pending) pending = import('hls.js').then((m) => m.default);
  return pending;
}
