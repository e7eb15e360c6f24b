// The time code of camsim's clock cameras (tests/tools/camsim.py, `clock=1`),
// decoded in the browser: each frame carries the wall-clock time (epoch ms) at
// which the camera produced it, so Date.now() when the frame is presented minus
// that time is the glass-to-glass latency (camera, server, network, player).
//
// Layout (the same as camsim.py's timecode_bits / decode_timecode): in the
// picture's top-left corner, 2 rows x 32 columns of square luma blocks of
// B = width * 3 / 160 px (24 at 1280x720: a 768x48 strip; a fixed fraction of
// the width, so a scaled picture still decodes), block c spanning pixels
// round(c * B) .. round((c + 1) * B) - 1. Bit k is the block at row k >> 5,
// column k & 31, most significant first: bits 0-7 the start pattern 0xB2,
// bits 8-55 the time (48 bits of epoch ms), bits 56-63 a CRC-8 (polynomial
// 0x07, init 0) of the 6 time bytes. White (Y 235) is 1, black (Y 16) is 0,
// chroma under the strip is neutral. The decoder reads the mean luma of the
// central half of each block, thresholds it at the midpoint of the start
// pattern's white and black blocks, and checks the start pattern and the CRC.
//
// The page-side functions must be self-contained (they are injected into pages
// as source text, PAGE_CLOCK_JS below), so nothing here refers to module scope.

/** Block size in px (a fraction) of the time code in a picture `width` px wide. */
export function timecodeBlock(width) {
  return width * 3 / 160;
}

/**
 * Decodes the time code from RGBA pixels (an ImageData's data) of the
 * picture's top-left region, `stride` pixels a row (at least 32 * b wide,
 * 2 * b high), with block size `b` (timecodeBlock of the width the picture has
 * there). Returns epoch ms, or null when there is no valid code (too little
 * contrast, wrong start pattern, wrong CRC).
 */
export function decodeTimecodeRGBA(rgba, stride, b) {
  if (!(b >= 4)) return null;
  const means = new Array(64);
  for (let k = 0; k < 64; k++) {
    const r = k >> 5, c = k & 31;
    const x0 = Math.round((c + 0.25) * b), x1 = Math.round((c + 0.75) * b);
    const y0 = Math.round((r + 0.25) * b), y1 = Math.round((r + 0.75) * b);
    let sum = 0;
    for (let y = y0; y < y1; y++) {
      for (let i = (y * stride + x0) * 4, e = (y * stride + x1) * 4; i < e; i += 4) {
        sum += 0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2];
      }
    }
    means[k] = sum / ((x1 - x0) * (y1 - y0));
  }
  const START = 0xB2;
  let onesSum = 0, zerosSum = 0, minOne = Infinity, maxZero = -Infinity;
  for (let i = 0; i < 8; i++) {
    const m = means[i];
    if ((START >> (7 - i)) & 1) { onesSum += m; minOne = Math.min(minOne, m); }
    else { zerosSum += m; maxZero = Math.max(maxZero, m); }
  }
  // RGB from limited-range luma: black 0, white 255 (camsim's check, 48 of 219
  // luma steps, scaled to full range).
  if (minOne - maxZero < 56) return null;
  const threshold = (onesSum / 4 + zerosSum / 4) / 2;
  const bit = (k) => (means[k] > threshold ? 1 : 0);
  let start = 0;
  for (let k = 0; k < 8; k++) start = (start << 1) | bit(k);
  if (start !== START) return null;
  const bytes = [];
  for (let j = 0; j < 7; j++) {
    let v = 0;
    for (let k = 8 + j * 8; k < 16 + j * 8; k++) v = (v << 1) | bit(k);
    bytes.push(v);
  }
  let crc = 0;
  for (let j = 0; j < 6; j++) {
    crc ^= bytes[j];
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xFF : (crc << 1) & 0xFF;
  }
  if (crc !== bytes[6]) return null;
  let ms = 0;
  for (let j = 0; j < 6; j++) ms = ms * 256 + bytes[j];
  return ms;
}

/** {median, p90, min, max, mean, count} of numbers, or null for none. */
export function latencyStats(values) {
  if (!values.length) return null;
  const s = [...values].sort((x, y) => x - y);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const mean = s.reduce((a, v) => a + v, 0) / s.length;
  return { median: at(0.5), p90: at(0.9), min: s[0], max: s[s.length - 1],
           mean: Math.round(mean * 10) / 10, count: s.length };
}

// ---- the page side ----

/**
 * In the page: follows every frame the <video> presents
 * (requestVideoFrameCallback), draws the strip of that frame into a canvas at
 * the frame's own size, decodes the time code and records Date.now() (at the
 * callback) minus the capture time. window.clockResults() returns
 * {latencies_ms: [...], decode_failures, callbacks, presented_frames,
 * missed_callbacks, first_decoded_t}; window.clockLatest() the last one.
 */
function startClock(video) {
  const st = window.__clock = {
    lat: [], failures: 0, callbacks: 0, presented0: null, presented: 0, missed: 0,
    lastPresented: null, firstDecodedAt: null, latest: null, size: null,
  };
  const MAX = 200000; // about 1.8 h at 30 fps; the counts stay exact past it
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const t0 = performance.now();
  const onFrame = (_now, meta) => {
    const wall = Date.now();
    st.callbacks++;
    if (st.lastPresented !== null && meta.presentedFrames > st.lastPresented + 1) {
      st.missed += meta.presentedFrames - st.lastPresented - 1; // frames shown without a callback
    }
    if (st.presented0 === null) st.presented0 = meta.presentedFrames;
    st.lastPresented = meta.presentedFrames;
    st.presented = meta.presentedFrames - st.presented0 + 1;
    // The frame at its own size (videoWidth x videoHeight): only the strip.
    const w = video.videoWidth, h = video.videoHeight;
    const b = __timecodeBlock(w);
    let ms = null;
    if (b >= 4 && 2 * b <= h) {
      const sw = Math.ceil(32 * b), sh = Math.ceil(2 * b);
      if (canvas.width !== sw || canvas.height !== sh) { canvas.width = sw; canvas.height = sh; }
      try {
        ctx.drawImage(video, 0, 0, sw, sh, 0, 0, sw, sh);
        ms = __decodeTimecodeRGBA(ctx.getImageData(0, 0, sw, sh).data, sw, b);
      } catch (e) { st.error = String(e && e.message || e); }
    }
    if (ms === null) st.failures++;
    else {
      const lat = wall - ms;
      st.latest = lat;
      if (st.firstDecodedAt === null) st.firstDecodedAt = Math.round(performance.now() - t0) / 1000;
      if (st.lat.length < MAX) st.lat.push(lat);
    }
    video.requestVideoFrameCallback(onFrame);
  };
  if (!('requestVideoFrameCallback' in HTMLVideoElement.prototype)) {
    st.error = 'requestVideoFrameCallback is not supported';
    return st.error;
  }
  video.requestVideoFrameCallback(onFrame);
  return null;
}

function clockResults() {
  const st = window.__clock;
  if (!st) return null;
  return { latencies_ms: st.lat, decode_failures: st.failures, callbacks: st.callbacks,
           presented_frames: st.presented, missed_callbacks: st.missed,
           first_decoded_t: st.firstDecodedAt, error: st.error || null };
}

function clockLatest() {
  return window.__clock ? window.__clock.latest : null;
}

/** Source text for a page: defines startClock, clockResults, clockLatest (and
 * the decoder they use) as window globals. */
export const PAGE_CLOCK_JS = [
  `const __timecodeBlock = ${timecodeBlock.toString()};`,
  `const __decodeTimecodeRGBA = ${decodeTimecodeRGBA.toString()};`,
  `window.startClock = ${startClock.toString()};`,
  `window.clockResults = ${clockResults.toString()};`,
  `window.clockLatest = ${clockLatest.toString()};`,
].join('\n');

/**
 * Node side: the `clock` object of a harness's JSON from the page's
 * clockResults(): {median, p90, min, max, mean, count, decode_failures,
 * callbacks, presented_frames, missed_callbacks, first_decoded_t, error}.
 * `skipFirst` decoded frames are left out of the statistics (none by default).
 */
export function clockSummary(res, skipFirst = 0) {
  if (!res) return null;
  const lat = res.latencies_ms.slice(skipFirst);
  const stats = latencyStats(lat) || { median: null, p90: null, min: null, max: null,
                                       mean: null, count: 0 };
  return { ...stats, decode_failures: res.decode_failures, callbacks: res.callbacks,
           presented_frames: res.presented_frames, missed_callbacks: res.missed_callbacks,
           first_decoded_t: res.first_decoded_t, error: res.error };
}
