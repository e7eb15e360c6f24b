#!/usr/bin/env node
// Plays an HLS (or LL-HLS) URL in headless Chromium with hls.js and reports
// how playback went, as ONE JSON object on stdout. The tests judge it.
//
//   node tests/browser/hls_play.mjs --url URL [--seconds 20] [--low-latency 1|0]
//        [--screenshot out.png] [--page-port N] [--clock 1]
//
// --clock 1: the stream comes from a camsim clock camera (clock=1): every
// presented frame's time code is decoded (timecode.mjs) and the JSON gets a
// `clock` object, the glass-to-glass latency {median, p90, min, max, count,
// decode_failures, ...}, and each sample a `clock_latency_ms`.
//
// Chromium is Debian's (/usr/bin/chromium) driven by playwright-core; hls.js
// comes from node_modules and is served, with the page, by a tiny HTTP server
// on 127.0.0.1 here (no CDN: the tests run without any network but loopback).
// Exit status is non-zero only when the harness itself failed (Chromium did
// not start, the page did not load, the time bound hit); bad playback exits 0.
// Everything ends within seconds + 30 s, and Chromium is killed by its pid
// (its process group) on every way out.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BASE_FLAGS, CHROMIUM, chromiumChildPid, chromiumCpuSeconds, cleanupSync, emit, fail, run, withTimeout,
} from './chromium.mjs';
import { PAGE_CLOCK_JS, clockSummary } from './timecode.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HLS_JS = path.join(ROOT, 'node_modules/hls.js/dist/hls.min.js');
const FLAGS = BASE_FLAGS;
const SAMPLE_MS = 500;
const MAX_LIST = 200; // errors and stall events kept (the counts stay exact)

function parseArgs(argv) {
  const a = { url: null, seconds: 20, lowLatency: true, screenshot: null, pagePort: 0, clock: false };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) usage(`missing value for ${k}`);
    if (k === '--url') a.url = v;
    else if (k === '--seconds') a.seconds = Number(v);
    else if (k === '--low-latency') a.lowLatency = v !== '0';
    else if (k === '--screenshot') a.screenshot = path.resolve(v);
    else if (k === '--page-port') a.pagePort = Number(v);
    else if (k === '--clock') a.clock = v !== '0';
    else usage(`unknown option ${k}`);
  }
  if (!a.url) usage('--url is required');
  if (!(a.seconds > 0 && a.seconds <= 3600)) usage('--seconds must be in (0, 3600]');
  if (!(Number.isInteger(a.pagePort) && a.pagePort >= 0 && a.pagePort < 65536)) usage('bad --page-port');
  return a;
}

function usage(msg) {
  process.stderr.write(`hls_play: ${msg}\nusage: hls_play.mjs --url URL [--seconds N] ` +
    '[--low-latency 1|0] [--screenshot out.png] [--page-port N] [--clock 1]\n');
  process.exit(2);
}

// The page: hls.js on a muted autoplaying <video>, with the player's events
// collected in window.h for the sampler (which runs in Node, see below).
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>hls_play</title>
<style>body{margin:0;background:#000}video{display:block;max-width:100%}</style>
<script src="/hls.min.js"></script><script>${PAGE_CLOCK_JS}</script></head><body>
<video id="v" muted autoplay playsinline></video>
<script>
const video = document.getElementById('v');
const h = window.h = { errors: [], errorCount: 0, stalls: [], stallCount: 0, recoveries: 0,
                       seekWaits: [], seekWaitCount: 0,
                       playing: false, hls: null };
function note(list, countKey, item) {
  h[countKey]++;
  if (list.length < ${MAX_LIST}) list.push(item);
}
const t0 = performance.now();
const now = () => Math.round(performance.now() - t0) / 1000;
let openStall = null; // the stall in progress: 'playing' again gives its duration
video.addEventListener('playing', () => {
  h.playing = true;
  if (openStall) openStall.duration_s = Math.round((now() - openStall.t) * 1000) / 1000;
  openStall = null;
});
for (const type of ['waiting', 'stalled']) {
  // A 'waiting' before the first frame is start-up, not a stall.
  // One while the player moves the playhead itself (hls.js seeks to its live
  // start point once the first parts are in) is that seek, not media missing.
  video.addEventListener(type, () => {
    if (!h.playing) return;
    const stall = { type, t: now(), current_time: video.currentTime, duration_s: null };
    if (video.seeking) note(h.seekWaits, 'seekWaitCount', stall);
    else note(h.stalls, 'stallCount', stall);
    if (type === 'waiting' && !openStall) openStall = stall;
  });
}
window.startPlayer = (src, lowLatencyMode) => {
  if (!window.Hls || !Hls.isSupported()) return 'hls.js missing or MSE unsupported';
  const hls = h.hls = new Hls({ lowLatencyMode });
  hls.on(Hls.Events.ERROR, (_, d) => {
    note(h.errors, 'errorCount', { t: now(), type: d.type, details: d.details, fatal: !!d.fatal,
                                  reason: String(d.reason || (d.error && d.error.message) || '').slice(0, 300) });
    if (!d.fatal) return;
    // What a real player does: retry loading, or rebuild the media pipeline.
    // startLoad() does not fetch a playlist that never loaded (a live stream
    // not up yet): that takes loadSource() again, after a pause.
    if (d.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR ||
        d.details === Hls.ErrorDetails.MANIFEST_LOAD_TIMEOUT) {
      h.recoveries++; setTimeout(() => hls.loadSource(src), 1000);
    }
    else if (d.type === Hls.ErrorTypes.NETWORK_ERROR) { h.recoveries++; hls.startLoad(); }
    else if (d.type === Hls.ErrorTypes.MEDIA_ERROR) { h.recoveries++; hls.recoverMediaError(); }
  });
  hls.loadSource(src);
  hls.attachMedia(video);
  video.play().catch(() => {}); // autoplay is allowed by flag; this only nudges
  return null;
};
window.sample = () => {
  const q = video.getVideoPlaybackQuality();
  const pd = h.hls && h.hls.playingDate;
  const b = video.buffered;
  return {
    t: now(),
    current_time: video.currentTime,
    ready_state: video.readyState,
    paused: video.paused,
    buffered_end: b.length ? b.end(b.length - 1) : null,
    frames_total: q.totalVideoFrames,
    frames_dropped: q.droppedVideoFrames,
    width: video.videoWidth,
    height: video.videoHeight,
    // EXT-X-PROGRAM-DATE-TIME of the frame on screen: wall-clock latency.
    latency_ms: pd ? Date.now() - pd.getTime() : null,
    hls_latency_s: h.hls ? h.hls.latency : null,
    // With --clock 1 only: the last frame's glass-to-glass latency (time code).
    ...(window.__clock ? { clock_latency_ms: window.clockLatest() } : {}),
  };
};
// Mean and spread of the luma of the current frame (a black or frozen-blank
// picture has a near-zero spread). Drawn small: the statistics do not need more.
window.luma = () => {
  if (!video.videoWidth) return null;
  const w = 160, hh = Math.max(1, Math.round(160 * video.videoHeight / video.videoWidth));
  const c = document.createElement('canvas');
  c.width = w; c.height = hh;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(video, 0, 0, w, hh);
  const d = ctx.getImageData(0, 0, w, hh).data;
  let sum = 0, sq = 0;
  const n = d.length / 4;
  for (let i = 0; i < d.length; i += 4) {
    const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
    sum += y; sq += y * y;
  }
  const mean = sum / n;
  return { mean, stddev: Math.sqrt(Math.max(0, sq / n - mean * mean)) };
};
</script></body></html>`;

function servePage(port) {
  const hlsJs = fs.readFileSync(HLS_JS); // fails early, as a harness error, if not installed
  const server = http.createServer((req, res) => {
    const p = new URL(req.url, 'http://x').pathname;
    if (p === '/') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
    else if (p === '/hls.min.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(hlsJs);
    else res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

// Playwright does not tell the browser's pid; it spawns it directly (in its
// own process group), so it is our child running Chromium.

// CPU seconds used so far by every live process in Chromium's session (the
// browser, the renderer, the GPU and utility processes).

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


function percentiles(values) {
  if (!values.length) return null;
  const s = [...values].sort((x, y) => x - y);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p90: at(0.9), min: s[0], max: s[s.length - 1] };
}







async function main() {
  const args = parseArgs(process.argv.slice(2));
  run.result = { ok: false, url: args.url, seconds: args.seconds, low_latency: args.lowLatency };
  // The hard bound: whatever hangs, the script ends by seconds + 30 s.
  setTimeout(() => fail(run.result, 'harness time bound hit', 3), (args.seconds + 30) * 1000).unref();

  const server = await servePage(args.pagePort);
  const pageUrl = `http://127.0.0.1:${server.address().port}/`;
  run.userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hls_play-'));
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
  // So that a caller that must SIGKILL us can still stop the browser and clean up.
  process.stderr.write(`hls_play: chromium pid ${run.browserPid} user-data-dir ${run.userDataDir}\n`);

  const pageErrors = [];
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => { if (pageErrors.length < MAX_LIST) pageErrors.push(String(e.message)); });
  page.on('crash', () => pageErrors.push('page crashed'));
  await withTimeout(page.goto(pageUrl, { waitUntil: 'load', timeout: 10000 }), 12000, 'page load');
  const startErr = await page.evaluate(([u, ll]) => window.startPlayer(u, ll), [args.url, args.lowLatency]);
  if (startErr) return fail(run.result, startErr, 5);
  if (args.clock) {
    const clockErr = await page.evaluate(() => window.startClock(document.getElementById('v')));
    if (clockErr) pageErrors.push(`clock: ${clockErr}`);
  }

  // Sample every 500 ms on a fixed schedule for `seconds`.
  const samples = [];
  const t0 = Date.now();
  const cpu0 = run.browserPid ? chromiumCpuSeconds(run.browserPid) : null;
  const nodeCpu0 = process.cpuUsage();
  for (let i = 0; i <= Math.round(args.seconds * 1000 / SAMPLE_MS); i++) {
    const wait = t0 + i * SAMPLE_MS - Date.now();
    if (wait > 0) await sleep(wait);
    try {
      samples.push(await withTimeout(page.evaluate(() => window.sample()), 2000, 'sample'));
    } catch (e) {
      // Playback trouble never blocks the page's script: a page that does not
      // answer is a browser (harness) failure, not a verdict on the stream.
      return fail({ ...result, samples, page_errors: pageErrors },
                  `page stopped answering at sample ${i}: ${e.message.split('\n')[0]}`, 6);
    }
  }
  const wall = (Date.now() - t0) / 1000;
  const cpu1 = run.browserPid ? chromiumCpuSeconds(run.browserPid) : null;
  const nodeCpu = process.cpuUsage(nodeCpu0);

  const h = await withTimeout(page.evaluate(() => ({
    errors: window.h.errors, errorCount: window.h.errorCount, stalls: window.h.stalls,
    stallCount: window.h.stallCount, recoveries: window.h.recoveries,
    seekWaits: window.h.seekWaits, seekWaitCount: window.h.seekWaitCount,
  })), 3000, 'player state').catch((e) => { pageErrors.push(e.message); return { errors: [], stalls: [] }; });
  const clock = args.clock
    ? await withTimeout(page.evaluate(() => window.clockResults()), 5000, 'clock')
      .catch((e) => { pageErrors.push(e.message); return null; })
    : null;
  const luma = await withTimeout(page.evaluate(() => window.luma()), 3000, 'luma')
    .catch((e) => { pageErrors.push(e.message); return null; });
  if (args.screenshot) {
    try {
      await page.locator('video').screenshot({ path: args.screenshot, timeout: 5000 });
    } catch (e) {
      pageErrors.push(`screenshot: ${e.message.split('\n')[0]}`);
    }
  }

  // Playback counts from the first sample with a frame up: a live stream
  // starts near its edge (currentTime jumps from 0 to there), and that jump
  // is not playback.
  const playing = samples.filter((s) => s.current_time > 0 && s.ready_state >= 2);
  const first = playing[0] || {};
  const last = samples[samples.length - 1] || {};
  const lat = playing.map((s) => s.latency_ms).filter((v) => typeof v === 'number');
  Object.assign(run.result, {
    ok: true,
    samples,
    current_time_start: first.current_time ?? null,
    current_time_end: last.current_time ?? null,
    advanced_seconds: playing.length ? last.current_time - first.current_time : 0,
    // seconds from the player's start until the first sample with a frame up
    time_to_play_s: first.t ?? null,
    stalls: h.stallCount ?? null,
    stall_events: h.stalls,
    // waits while the player seeked (its jump to the live start point): not stalls
    seek_waits: h.seekWaitCount ?? null,
    seek_wait_events: h.seekWaits,
    errors: h.errors,
    error_count: h.errorCount ?? null,
    recoveries: h.recoveries ?? null,
    width: last.width ?? null,
    height: last.height ?? null,
    latency_ms: percentiles(lat),
    hls_latency_s: last.hls_latency_s ?? null,
    frames_total: last.frames_total ?? null,
    frames_dropped: last.frames_dropped ?? null,
    luma_mean: luma ? luma.mean : null,
    luma_stddev: luma ? luma.stddev : null,
    // Chromium's CPU while sampling, as a fraction of one core.
    chromium_cpu_core: cpu0 !== null ? (cpu1 - cpu0) / wall : null,
    // ... and this script's own (the sampling over CDP, the page server).
    harness_cpu_core: (nodeCpu.user + nodeCpu.system) / 1e6 / wall,
    page_errors: pageErrors,
  });
  if (args.clock) run.result.clock = clockSummary(clock);
  emit(run.result);
  await withTimeout(context.close(), 5000, 'close').catch(() => {});
  cleanupSync();
  server.closeAllConnections?.();
  server.close();
  process.exit(0);
}

main().catch((e) => fail(run.result, e, 1));
