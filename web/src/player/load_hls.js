// hls.js is about 600 KB, so it is a chunk of its own (build.mjs splits it),
// fetched the first time a player needs it: the live player's fallback and
// recordings playback. Returns the Hls class; rejects when the chunk cannot
// load, and the next call tries again (a blip must not break HLS until the
// page is reloaded). After vigil was rebuilt the old chunk's name is gone:
// the error then says to reload the page.
let pending = null;
export function loadHls() {
  if (!pending) {
    pending = import('hls.js').then(
      (m) => m.default,
      (e) => {
        pending = null;
        throw new Error(`the HLS player could not be loaded (${e.message}); reload the page if vigil was updated`);
      },
    );
  }
  return pending;
}
