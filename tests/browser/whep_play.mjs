#!/usr/bin/env node
// Plays a WHEP URL (WebRTC-HTTP Egress Protocol) in headless Chromium and
// reports how it went, as ONE JSON object on stdout. The tests judge it.
//
//   unshare -n sh -c 'ip link set lo up && node tests/browser/whep_play.mjs \
//       --url http://127.0.0.1:PORT/whep/cam_1 [--seconds 10] [--pages K] \
//       [--clock 1] [--delete 1|0] [--wait-ice 0|1] [--screenshot out.png]'
//
// Each of the K pages (tabs, default 1) is one WHEP viewer, as a web player
// is: RTCPeerConnection({}) with a recvonly video and a recvonly audio
// transceiver, createOffer / setLocalDescription, then (without waiting for ICE
// gathering unless --wait-ice 1: an ICE-lite server needs no candidate from us)
// POST the offer (Content-Type: application/sdp) to the URL, expect 201 with the
// answer and a Location, setRemoteDescription, and play the tracks in a muted
// <video>. getStats() is sampled every 500 ms. At the end each page DELETEs its
// session's Location (--delete 0: it does not) and closes. A POST answered with
// anything but 201 is reported (status, body) and the run goes on.
//
// The pages are served by the script itself at the WHEP server's own origin
// (http://HOST:PORT/__whep_play__/N, intercepted by Playwright, never asked of
// the server), so the POST and DELETE are same-origin requests, as from the
// server's own web UI: no CORS needed, and the Location header is readable.
//
// --clock 1: the stream comes from a camsim clock camera (clock=1); each
// presented frame's time code is decoded (timecode.mjs): glass-to-glass
// latency = Date.now() at requestVideoFrameCallback - capture time.
//
// WebRTC needs loopback candidates: run it, and the server, inside a private
// network namespace (`unshare -n`, TESTING.md); the flags below allow loopback
// and plain IP candidates. Exit status is non-zero only when the harness
// itself failed: 1 unexpected error, 2 usage, 3 time bound hit (seconds + 30 s
// + 5 s a page), 4 Chromium did not launch, 5 no WebRTC in the page, 6 a page
// stopped answering, 128+N killed by signal N. Chromium is killed by its
// process group on every way out; its pid and profile are printed on stderr
// (`whep_play: chromium pid N user-data-dir D`) for a caller that has to
// SIGKILL the script (tests/integration/browser.py does).
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BASE_FLAGS, CHROMIUM, chromiumChildPid, chromiumCpuSeconds, cleanupSync, emit, fail, run, withTimeout,
} from './chromium.mjs';
import { PAGE_CLOCK_JS, clockSummary, latencyStats } from './timecode.mjs';

// TESTING.md's flags, plus what WebRTC on loopback needs.
const FLAGS = [
  ...BASE_FLAGS,
  '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns',
];
const SAMPLE_MS = 500;
const MAX_PAGES = 16;
const MAX_BODY = 20000;  // characters of an error body / SDP kept

function parseArgs(argv) {
  const a = { url: null, seconds: 10, pages: 1, clock: false, del: true, waitIce: false,
              screenshot: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) usage(`missing value for ${k}`);
    if (k === '--url') a.url = v;
    else if (k === '--seconds') a.seconds = Number(v);
    else if (k === '--pages') a.pages = Number(v);
    else if (k === '--clock') a.clock = v !== '0';
    else if (k === '--delete') a.del = v !== '0';
    else if (k === '--wait-ice') a.waitIce = v !== '0';
    else if (k === '--screenshot') a.screenshot = path.resolve(v);
    else usage(`unknown option ${k}`);
  }
  if (!a.url) usage('--url is required');
  try {
    const u = new URL(a.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  } catch (e) { usage(`bad --url: ${e.message}`); }
  if (!(a.seconds > 0 && a.seconds <= 3600)) usage('--seconds must be in (0, 3600]');
  if (!(Number.isInteger(a.pages) && a.pages >= 1 && a.pages <= MAX_PAGES)) usage(`--pages must be 1..${MAX_PAGES}`);
  return a;
}

function usage(msg) {
  process.stderr.write(`whep_play: ${msg}\nusage: whep_play.mjs --url WHEP_URL [--seconds N] ` +
    '[--pages K] [--clock 1] [--delete 1|0] [--wait-ice 0|1] [--screenshot out.png]\n');
  process.exit(2);
}

// The page: a WHEP client and its bookkeeping in window.w; everything it does
// is timed from performance.now() at its start (t, seconds) and, for the
// milestones, from the POST (ms).
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>whep_play</title>
<style>body{margin:0;background:#000}video{display:block;max-width:100%}</style>
<script>${PAGE_CLOCK_JS}</script></head><body>
<video id="v" muted autoplay playsinline></video>
<script>
const video = document.getElementById('v');
const w = window.w = { timeline: [], events: [], status: null, location: null, error: null,
                       postAt: null, responseMs: null, connectedMs: null, iceConnectedMs: null,
                       firstFrameMs: null, firstDecodedMs: null, deleteStatus: null,
                       deleteError: null, answer: null, offer: null, body: null,
                       contentType: null, etag: null, link: null, pc: null, prev: null };
const t0 = performance.now();
const now = () => Math.round(performance.now() - t0) / 1000;
const sincePost = () => w.postAt === null ? null : Math.round(performance.now() - w.postAt);
function note(what, state) {
  w.timeline.push({ t: now(), ms_since_post: sincePost(), what, state });
}
const cut = (s) => (typeof s === 'string' && s.length > ${MAX_BODY}) ? s.slice(0, ${MAX_BODY}) + '...' : s;
window.startWhep = async (url, waitIce) => {
  if (typeof RTCPeerConnection !== 'function') return 'RTCPeerConnection is missing';
  const pc = w.pc = new RTCPeerConnection({});
  pc.addEventListener('connectionstatechange', () => {
    note('connection', pc.connectionState);
    if (pc.connectionState === 'connected' && w.connectedMs === null) w.connectedMs = sincePost();
  });
  pc.addEventListener('iceconnectionstatechange', () => {
    note('ice', pc.iceConnectionState);
    if ((pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed')
        && w.iceConnectedMs === null) w.iceConnectedMs = sincePost();
  });
  pc.addEventListener('icegatheringstatechange', () => note('gathering', pc.iceGatheringState));
  pc.addEventListener('signalingstatechange', () => note('signaling', pc.signalingState));
  const stream = new MediaStream();
  pc.addEventListener('track', (e) => {
    note('track', e.track.kind);
    stream.addTrack(e.track);
    if (!video.srcObject) video.srcObject = stream;
    video.play().catch(() => {});
  });
  video.requestVideoFrameCallback(() => { w.firstFrameMs = sincePost(); });
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  try {
    await pc.setLocalDescription(await pc.createOffer());
    if (waitIce && pc.iceGatheringState !== 'complete') {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 2000);
        pc.addEventListener('icegatheringstatechange', () => {
          if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); }
        });
      });
    }
  } catch (e) { w.error = 'createOffer/setLocalDescription: ' + e.message; return null; }
  w.offer = cut(pc.localDescription.sdp);
  w.postAt = performance.now();
  note('post', 'sent');
  let res, body;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' },
                             body: pc.localDescription.sdp, cache: 'no-store' });
    body = await res.text();
  } catch (e) { w.error = 'POST: ' + e.message; note('post', 'failed'); return null; }
  w.responseMs = sincePost();
  w.status = res.status;
  note('post', String(res.status));
  w.contentType = res.headers.get('Content-Type');
  w.etag = res.headers.get('ETag');
  w.link = res.headers.get('Link');
  const loc = res.headers.get('Location');
  if (loc) { try { w.location = new URL(loc, url).href; } catch { w.location = loc; } }
  if (res.status !== 201) {
    w.error = 'POST answered ' + res.status;
    w.body = cut(body);
    pc.close();
    return null;
  }
  w.answer = cut(body);
  try {
    await pc.setRemoteDescription({ type: 'answer', sdp: body });
  } catch (e) { w.error = 'setRemoteDescription: ' + e.message; return null; }
  // The first decoded frame, polled finely until it comes (getStats is cheap).
  (async () => {
    while (w.firstDecodedMs === null && pc.connectionState !== 'closed') {
      const v = await inbound('video');
      if (v && v.framesDecoded > 0) { w.firstDecodedMs = sincePost(); break; }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return null;
};
async function inbound(kind) {
  if (!w.pc) return null;
  const report = await w.pc.getStats();
  let found = null;
  report.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === kind) found = s; });
  return found;
}
async function codecs() {
  const out = {};
  if (!w.pc) return out;
  const report = await w.pc.getStats();
  report.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.codecId && report.get(s.codecId)) {
      const c = report.get(s.codecId);
      out[s.kind] = { mime_type: c.mimeType, clock_rate: c.clockRate, payload_type: c.payloadType,
                      sdp_fmtp_line: c.sdpFmtpLine || null };
    }
  });
  return out;
}
window.sample = async () => {
  const pc = w.pc;
  const v = await inbound('video') || {};
  const a = await inbound('audio') || {};
  const prev = w.prev;
  // jitter buffer delay over the last sample period (ms per emitted frame)
  let jb = null;
  if (prev && v.jitterBufferEmittedCount > (prev.jitterBufferEmittedCount || 0)) {
    jb = 1000 * (v.jitterBufferDelay - prev.jitterBufferDelay) /
      (v.jitterBufferEmittedCount - prev.jitterBufferEmittedCount);
  }
  w.prev = v;
  const n = (x) => (typeof x === 'number' ? x : null);
  return {
    t: now(),
    connection_state: pc ? pc.connectionState : null,
    ice_state: pc ? pc.iceConnectionState : null,
    frames_decoded: n(v.framesDecoded), frames_received: n(v.framesReceived),
    frames_dropped: n(v.framesDropped), key_frames_decoded: n(v.keyFramesDecoded),
    packets_received: n(v.packetsReceived), packets_lost: n(v.packetsLost),
    bytes_received: n(v.bytesReceived),
    frame_width: n(v.frameWidth), frame_height: n(v.frameHeight),
    frames_per_second: n(v.framesPerSecond),
    jitter_buffer_delay_s: n(v.jitterBufferDelay),
    jitter_buffer_emitted_count: n(v.jitterBufferEmittedCount),
    jitter_buffer_ms: jb === null ? null : Math.round(jb * 10) / 10,
    jitter_s: n(v.jitter),
    nack_count: n(v.nackCount), pli_count: n(v.pliCount), fir_count: n(v.firCount),
    freeze_count: n(v.freezeCount), total_freezes_duration_s: n(v.totalFreezesDuration),
    audio_packets_received: n(a.packetsReceived), audio_packets_lost: n(a.packetsLost),
    audio_bytes_received: n(a.bytesReceived),
    current_time: video.currentTime, ready_state: video.readyState,
    video_width: video.videoWidth, video_height: video.videoHeight,
    ...(window.__clock ? { clock_latency_ms: window.clockLatest() } : {}),
  };
};
window.report = async () => ({
  status: w.status, location: w.location, error: w.error, body: w.body,
  content_type: w.contentType, etag: w.etag, link: w.link,
  response_ms: w.responseMs, connected_ms: w.connectedMs, ice_connected_ms: w.iceConnectedMs,
  first_frame_ms: w.firstFrameMs, first_decoded_ms: w.firstDecodedMs,
  timeline: w.timeline, offer_sdp: w.offer, answer_sdp: w.answer, codecs: await codecs(),
});
// DELETE the session (if asked and there is one), then close the connection.
window.finish = async (del) => {
  if (del && w.location) {
    try {
      const r = await fetch(w.location, { method: 'DELETE', cache: 'no-store' });
      w.deleteStatus = r.status;
      note('delete', String(r.status));
    } catch (e) { w.deleteError = e.message; note('delete', 'failed'); }
  }
  if (w.pc) { w.pc.close(); note('connection', 'closed-by-client'); }
  return { delete_status: w.deleteStatus, delete_error: w.deleteError };
};
window.luma = () => {
  if (!video.videoWidth) return null;
  const cw = 160, ch = Math.max(1, Math.round(160 * video.videoHeight / video.videoWidth));
  const c = document.createElement('canvas');
  c.width = cw; c.height = ch;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(video, 0, 0, cw, ch);
  const d = ctx.getImageData(0, 0, cw, ch).data;
  let sum = 0, sq = 0;
  for (let i = 0; i < d.length; i += 4) {
    const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
    sum += y; sq += y * y;
  }
  const cnt = d.length / 4, mean = sum / cnt;
  return { mean, stddev: Math.sqrt(Math.max(0, sq / cnt - mean * mean)) };
};
</script></body></html>`;

// Playwright does not tell the browser's pid; it spawns it directly (in its
// own process group), so it is our child running Chromium.

// CPU seconds used so far by every live process of Chromium's session.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : null;
};
const maxOf = (xs) => {
  const s = xs.filter((x) => typeof x === 'number');
  return s.length ? Math.max(...s) : null;
};







// One page's figures from its samples and report.
function pageResult(index, rep, samples, fin, clock, luma, pageErrors) {
  const last = samples[samples.length - 1] || {};
  const withFrames = samples.filter((s) => s.frames_decoded > 0);
  const first = withFrames[0];
  let fps = null;
  if (first && last !== first && last.t > first.t) {
    fps = Math.round(10 * (last.frames_decoded - first.frames_decoded) / (last.t - first.t)) / 10;
  }
  // Frames still being decoded at the end: the last 2 s of samples show progress.
  const tail = samples.filter((s) => s.t >= (last.t ?? 0) - 2);
  const playing = tail.length >= 2 && tail[tail.length - 1].frames_decoded > (tail[0].frames_decoded ?? 0);
  const jbTotal = (last.jitter_buffer_emitted_count > 0)
    ? Math.round(10000 * last.jitter_buffer_delay_s / last.jitter_buffer_emitted_count) / 10 : null;
  return {
    page: index,
    status: rep.status ?? null,
    location: rep.location ?? null,
    error: rep.error ?? null,
    body: rep.body ?? null,
    content_type: rep.content_type ?? null,
    etag: rep.etag ?? null,
    link: rep.link ?? null,
    response_ms: rep.response_ms ?? null,
    connected_ms: rep.connected_ms ?? null,
    ice_connected_ms: rep.ice_connected_ms ?? null,
    first_frame_ms: rep.first_frame_ms ?? null,
    first_decoded_ms: rep.first_decoded_ms ?? null,
    connected: (rep.timeline || []).some((e) => e.what === 'connection' && e.state === 'connected'),
    playing,
    connection_state: last.connection_state ?? null,
    ice_state: last.ice_state ?? null,
    frames_decoded: last.frames_decoded ?? null,
    frames_received: last.frames_received ?? null,
    frames_dropped: last.frames_dropped ?? null,
    key_frames_decoded: last.key_frames_decoded ?? null,
    packets_received: last.packets_received ?? null,
    packets_lost: last.packets_lost ?? null,
    bytes_received: last.bytes_received ?? null,
    width: last.frame_width ?? null,
    height: last.frame_height ?? null,
    decoded_fps: fps,
    jitter_buffer_ms: jbTotal,
    nack_count: last.nack_count ?? null,
    pli_count: last.pli_count ?? null,
    fir_count: last.fir_count ?? null,
    freeze_count: last.freeze_count ?? null,
    audio_packets_received: last.audio_packets_received ?? null,
    audio_packets_lost: last.audio_packets_lost ?? null,
    codecs: rep.codecs || {},
    delete_status: fin ? fin.delete_status : null,
    delete_error: fin ? fin.delete_error : null,
    luma_mean: luma ? luma.mean : null,
    luma_stddev: luma ? luma.stddev : null,
    ...(clock !== undefined ? { clock } : {}),
    timeline: rep.timeline || [],
    offer_sdp: rep.offer_sdp ?? null,
    answer_sdp: rep.answer_sdp ?? null,
    samples,
    page_errors: pageErrors,
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  run.result = { ok: false, url: args.url, seconds: args.seconds, pages: args.pages,
             clock_enabled: args.clock, delete: args.del };
  setTimeout(() => fail(run.result, 'harness time bound hit', 3),
             (args.seconds + 30 + 5 * args.pages) * 1000).unref();

  const origin = new URL(args.url).origin;
  run.userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'whep_play-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(run.userDataDir, {
      executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 20000,
      viewport: { width: 1280, height: 720 }, handleSIGINT: false, handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (e) {
    return fail(run.result, `cannot launch ${CHROMIUM}: ${e.message.split('\n')[0]}`, 4);
  }
  run.browserPid = chromiumChildPid();
  process.stderr.write(`whep_play: chromium pid ${run.browserPid} user-data-dir ${run.userDataDir}\n`);

  // Chromium gathers no host candidate, not even 127.0.0.1, for a page without
  // camera/microphone permission (its FilteringNetworkManager then offers only
  // mDNS names, which the flags turn off): ICE could never start. Granting the
  // permission to the page's origin lets it enumerate the interfaces (only
  // loopback in the namespace). Nothing is captured.
  await context.grantPermissions(['camera', 'microphone'], { origin });
  // The pages, at the WHEP server's origin, served from here (see the header).
  const pages = [];
  const pageErrors = [];
  const pagePattern = `${origin}/__whep_play__/**`;
  await context.route(pagePattern, (route) => route.fulfill({
    status: 200, contentType: 'text/html; charset=utf-8', body: PAGE,
    headers: { 'Cache-Control': 'no-store' },
  }));
  for (let i = 0; i < args.pages; i++) {
    const page = (i === 0 && context.pages()[0]) || await context.newPage();
    const errs = [];
    page.on('pageerror', (e) => { if (errs.length < 50) errs.push(String(e.message)); });
    page.on('crash', () => errs.push('page crashed'));
    await withTimeout(page.goto(`${origin}/__whep_play__/${i}`, { waitUntil: 'load', timeout: 10000 }),
                      12000, `page ${i} load`);
    pages.push(page);
    pageErrors.push(errs);
  }
  await context.unroute(pagePattern).catch(() => {});

  // Start every viewer at once.
  const t0 = Date.now();
  const cpu0 = run.browserPid ? chromiumCpuSeconds(run.browserPid) : null;
  const nodeCpu0 = process.cpuUsage();
  const startErrs = await Promise.all(pages.map(async (page, i) => {
    if (args.clock) {
      const clockErr = await page.evaluate(() => window.startClock(document.getElementById('v')));
      if (clockErr) pageErrors[i].push(`clock: ${clockErr}`);
    }
    return withTimeout(page.evaluate(([u, wi]) => window.startWhep(u, wi), [args.url, args.waitIce]),
                       15000, `page ${i} start`);
  }));
  const noWebrtc = startErrs.find((e) => e);
  if (noWebrtc) return fail(run.result, noWebrtc, 5);

  // Sample every page every 500 ms for `seconds`.
  const samples = pages.map(() => []);
  for (let k = 0; k <= Math.round(args.seconds * 1000 / SAMPLE_MS); k++) {
    const wait = t0 + k * SAMPLE_MS - Date.now();
    if (wait > 0) await sleep(wait);
    try {
      const got = await Promise.all(pages.map((page) =>
        withTimeout(page.evaluate(() => window.sample()), 2000, 'sample')));
      got.forEach((s, i) => samples[i].push(s));
    } catch (e) {
      run.result.samples = samples;
      return fail(run.result, `a page stopped answering at sample ${k}: ${e.message.split('\n')[0]}`, 6);
    }
  }
  const wall = (Date.now() - t0) / 1000;
  const cpu1 = run.browserPid ? chromiumCpuSeconds(run.browserPid) : null;
  const nodeCpu = process.cpuUsage(nodeCpu0);

  const perPage = [];
  for (let i = 0; i < pages.length; i++) {
    const page = pages[i];
    const errs = pageErrors[i];
    const safe = (p, what, dflt) => withTimeout(p, 5000, what)
      .catch((e) => { errs.push(`${what}: ${e.message.split('\n')[0]}`); return dflt; });
    const rep = await safe(page.evaluate(() => window.report()), 'report', {});
    const clockRes = args.clock ? await safe(page.evaluate(() => window.clockResults()), 'clock', null) : undefined;
    const luma = await safe(page.evaluate(() => window.luma()), 'luma', null);
    if (i === 0 && args.screenshot) {
      try {
        await page.locator('video').screenshot({ path: args.screenshot, timeout: 5000 });
      } catch (e) { errs.push(`screenshot: ${e.message.split('\n')[0]}`); }
    }
    perPage.push({ rep, clockRes, luma });
  }
  // DELETE (or not) and close every session, all at once.
  const fins = await Promise.all(pages.map((page, i) =>
    withTimeout(page.evaluate((d) => window.finish(d), args.del), 5000, 'finish')
      .catch((e) => { pageErrors[i].push(`finish: ${e.message.split('\n')[0]}`); return null; })));

  const results = perPage.map(({ rep, clockRes, luma }, i) => pageResult(
    i, rep, samples[i], fins[i], args.clock ? clockSummary(clockRes) : undefined, luma, pageErrors[i]));
  const allLat = args.clock ? perPage.flatMap((p) => (p.clockRes ? p.clockRes.latencies_ms : [])) : [];
  const summary = {
    pages: results.length,
    posts_201: results.filter((r) => r.status === 201).length,
    statuses: results.map((r) => r.status),
    connected: results.filter((r) => r.connected).length,
    playing: results.filter((r) => r.playing).length,
    errors: results.filter((r) => r.error).map((r) => ({ page: r.page, error: r.error })),
    frames_decoded: results.reduce((a, r) => a + (r.frames_decoded || 0), 0),
    decoded_fps_min: results.length && results.every((r) => typeof r.decoded_fps === 'number')
      ? Math.min(...results.map((r) => r.decoded_fps)) : null,
    decoded_fps_median: median(results.map((r) => r.decoded_fps)),
    packets_lost: results.reduce((a, r) => a + (r.packets_lost || 0), 0),
    frames_dropped: results.reduce((a, r) => a + (r.frames_dropped || 0), 0),
    connected_ms_median: median(results.map((r) => r.connected_ms)),
    connected_ms_max: maxOf(results.map((r) => r.connected_ms)),
    first_frame_ms_median: median(results.map((r) => r.first_frame_ms)),
    first_frame_ms_max: maxOf(results.map((r) => r.first_frame_ms)),
    jitter_buffer_ms_median: median(results.map((r) => r.jitter_buffer_ms)),
    deletes: results.map((r) => r.delete_status),
    deletes_ok: results.filter((r) => r.delete_status >= 200 && r.delete_status < 300).length,
    ...(args.clock ? {
      clock: {
        ...(latencyStats(allLat) || { median: null, p90: null, min: null, max: null, mean: null, count: 0 }),
        decode_failures: results.reduce((a, r) => a + (r.clock ? r.clock.decode_failures : 0), 0),
      },
    } : {}),
    // Chromium's CPU (every page) while sampling, as a fraction of one core.
    chromium_cpu_core: cpu0 !== null ? Math.round(1000 * (cpu1 - cpu0) / wall) / 1000 : null,
    harness_cpu_core: Math.round(1000 * (nodeCpu.user + nodeCpu.system) / 1e6 / wall) / 1000,
  };
  Object.assign(run.result, { ok: true, summary, results });
  emit(run.result);
  await withTimeout(context.close(), 5000, 'close').catch(() => {});
  cleanupSync();
  process.exit(0);
}

main().catch((e) => fail(run.result, e, 1));
