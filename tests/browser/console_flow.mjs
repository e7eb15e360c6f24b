// Walks vigil's web console in Debian's Chromium (or, with --browser firefox,
// Debian's Firefox ESR over WebDriver BiDi) the way a newcomer would, and
// prints one JSON object saying what the user saw at each step, with a
// screenshot of each. The integration test (test_console_browser.py) judges it.
//
//   node tests/browser/console_flow.mjs --base http://127.0.0.1:PORT --out DIR \
//        --flow newcomer|fallback|admin [--name Lobby] [--url demo:] [--browser chromium|firefox]
//        [--firefox-h264 1|0]
//
// newcomer (issue 8's "done when"): open / → add a camera through the form
//   (recorded) → its tile shows a snapshot → open its live view → the video
//   plays over WebRTC → switch to HLS by hand → it plays → multi-view 2x2 →
//   its recordings → the timeline shows a span → click it → playback plays →
//   the grid at a phone's width fits the screen.
// admin: the form refuses a bad URL with the API's message at the URL field →
//   the fixed camera is added → the streams admin selects its stream and stops
//   it (seed 001's bulk stop) → the grid deletes it after a confirmation.
// fallback: open the live view of camera --camera-id on a vigil without
//   WebRTC (or in a Firefox without H.264, below): the player falls back to
//   LL-HLS by itself and plays.
//
// --browser firefox: Debian's Firefox ESR over WebDriver BiDi, with the prefs
// of chromium.mjs (FIREFOX_PREFS). --firefox-h264 0 leaves out the prefs that
// give it H.264 over WebRTC (FIREFOX_H264_PREFS): it then offers no codec
// vigil can send, as a Firefox without OpenH264 does.
//
// Each step is {name, ok, ms, screenshot, ...what was observed}; the first
// step that fails ends the walk (later steps need it), with `error` saying
// what was awaited. The JSON's `ok` is the harness's own health: a step that
// fails is data for the test, not a harness failure.
// Exit codes: 0 JSON printed, 2 bad arguments, 3 time bound hit, 4 the
// browser did not launch.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, firefox } from 'playwright-core';
import {
  BASE_FLAGS, CHROMIUM, FIREFOX, FIREFOX_H264_PREFS, FIREFOX_PREFS, FIREFOX_SCREENSHOT_CSP_HASH,
  chromiumChildPid, emit, fail, run,
} from './chromium.mjs';

// WebRTC on loopback inside the tests' network namespace (see whep_play.mjs).
const FLAGS = [...BASE_FLAGS, '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns'];
const TIME_BOUND_S = 240;
const WAIT_MS = 30000; // the longest any one thing is awaited

function parseArgs(argv) {
  const a = { flow: 'newcomer', name: 'Lobby', url: 'demo:', cameraId: null, browser: 'chromium',
              firefoxH264: true };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--base') a.base = v.replace(/\/$/, '');
    else if (k === '--out') a.out = v;
    else if (k === '--flow') a.flow = v;
    else if (k === '--name') a.name = v;
    else if (k === '--url') a.url = v;
    else if (k === '--camera-id') a.cameraId = v;
    else if (k === '--browser') a.browser = v;
    else if (k === '--firefox-h264') a.firefoxH264 = v !== '0';
    else throw new Error(`unknown argument ${k}`);
  }
  if (!a.base || !a.out) throw new Error('--base and --out are required');
  if (!['newcomer', 'fallback', 'admin'].includes(a.flow)) throw new Error(`unknown flow ${a.flow}`);
  if (a.flow === 'fallback' && !a.cameraId) throw new Error('--flow fallback needs --camera-id');
  if (!['chromium', 'firefox'].includes(a.browser)) throw new Error(`unknown browser ${a.browser}`);
  return a;
}

// Firefox's getVideoPlaybackQuality() counts no frame of a MediaStream (a
// WebRTC <video> stays at totalVideoFrames 0 while it plays; MSE, i.e. HLS,
// is counted): there the frames presented are counted instead, with
// requestVideoFrameCallback. Set by main() for --browser firefox.
let countPresentedFrames = false;

// A video element's progress over `ms`: currentTime and decoded frames before and after.
async function progress(page, selector, ms) {
  const probe = ({ sel, presented }) => {
    const v = document.querySelector(sel);
    if (!v) return null;
    const q = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : {};
    let frames = q.totalVideoFrames ?? null;
    if (presented && v.srcObject && v.requestVideoFrameCallback) {
      if (!v.harnessPresented) {
        v.harnessPresented = { n: 0 };
        const count = () => { v.harnessPresented.n++; v.requestVideoFrameCallback(count); };
        v.requestVideoFrameCallback(count);
      }
      frames = v.harnessPresented.n;
    }
    return { t: v.currentTime, frames, w: v.videoWidth,
             h: v.videoHeight, paused: v.paused, ready: v.readyState };
  };
  const arg = { sel: selector, presented: countPresentedFrames };
  const a = await page.evaluate(probe, arg);
  await page.waitForTimeout(ms);
  const b = await page.evaluate(probe, arg);
  if (!a || !b) return null;
  return { advanced_s: b.t - a.t, frames_added: (b.frames ?? 0) - (a.frames ?? 0),
           width: b.w, height: b.h, paused: b.paused, ready_state: b.ready };
}

// Mean luma stddev of what a video shows (a picture, not a black or flat frame).
async function lumaStddev(page, selector) {
  return page.evaluate((sel) => {
    const v = document.querySelector(sel);
    if (!v || !v.videoWidth) return 0;
    const c = document.createElement('canvas');
    c.width = 160; c.height = 90;
    const g = c.getContext('2d');
    g.drawImage(v, 0, 0, c.width, c.height);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let s = 0, s2 = 0;
    const n = d.length / 4;
    for (let i = 0; i < d.length; i += 4) {
      const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
      s += y; s2 += y * y;
    }
    const m = s / n;
    return Math.sqrt(Math.max(0, s2 / n - m * m));
  }, selector);
}

// Waits until the video at `selector` has advanced: true, or throws naming what it saw.
async function waitPlaying(page, selector, what) {
  await page.waitForSelector(selector, { timeout: WAIT_MS });
  const deadline = Date.now() + WAIT_MS;
  let last = null;
  while (Date.now() < deadline) {
    last = await progress(page, selector, 1000);
    if (last && last.advanced_s > 0.5 && last.frames_added > 5) return last;
  }
  throw new Error(`${what}: the video did not play (last: ${JSON.stringify(last)})`);
}

// The browser's persistent context in run.userDataDir (a new empty profile).
function launch(args) {
  if (args.browser === 'firefox') {
    // A `moz-*` channel makes playwright-core drive the given Firefox over
    // WebDriver BiDi; the prefs go into the profile's user.js.
    const prefs = { ...FIREFOX_PREFS, ...(args.firefoxH264 ? FIREFOX_H264_PREFS : {}) };
    return firefox.launchPersistentContext(run.userDataDir, {
      channel: 'moz-firefox', executablePath: FIREFOX, firefoxUserPrefs: prefs,
      headless: true, timeout: 20000, viewport: { width: 1280, height: 800 },
      handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
    });
  }
  return chromium.launchPersistentContext(run.userDataDir, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 20000,
    viewport: { width: 1280, height: 800 }, handleSIGINT: false, handleSIGTERM: false,
    handleSIGHUP: false,
  });
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    return fail({}, e, 2);
  }
  const steps = [];
  run.result = { ok: false, flow: args.flow, browser: args.browser, base: args.base, steps };
  if (args.browser === 'firefox') {
    run.result.firefox_h264 = args.firefoxH264;
    countPresentedFrames = true;
  }
  setTimeout(() => fail(run.result, 'harness time bound hit', 3), TIME_BOUND_S * 1000).unref();
  fs.mkdirSync(args.out, { recursive: true });

  run.userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'console_flow-'));
  const exe = args.browser === 'firefox' ? FIREFOX : CHROMIUM;
  let context;
  try {
    context = await launch(args);
  } catch (e) {
    return fail(run.result, `cannot launch ${exe}: ${e.message.split('\n')[0]}`, 4);
  }
  run.browserPid = chromiumChildPid();
  process.stderr.write(`console_flow: ${args.browser} pid ${run.browserPid} user-data-dir ${run.userDataDir}\n`);
  if (args.browser === 'chromium') {
    // Without this Chromium gathers no ICE candidate inside a network namespace (whep_play.mjs).
    await context.grantPermissions(['camera', 'microphone'], { origin: args.base });
  }

  const page = context.pages()[0] || await context.newPage();
  const pageErrors = [];
  const consoleErrors = [];
  // Firefox: Playwright's own screenshot style, blocked by vigil's CSP (chromium.mjs).
  const harnessMade = (msg) => args.browser === 'firefox' && msg.includes(FIREFOX_SCREENSHOT_CSP_HASH);
  page.on('pageerror', (e) => pageErrors.length < 50 && !harnessMade(String(e.message)) &&
    pageErrors.push(String(e.message)));
  page.on('console', (m) => {
    // A failed snapshot fetch logs "Failed to load resource": the page handles it.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text()) && consoleErrors.length < 50)
      consoleErrors.push(m.text());
  });
  run.result.page_errors = pageErrors;
  run.result.console_errors = consoleErrors;

  let n = 0;
  // Runs one step: `fn` returns what was observed; a throw fails the step and ends the walk.
  async function step(name, fn) {
    const t0 = Date.now();
    const s = { name, ok: false };
    steps.push(s);
    try {
      Object.assign(s, await fn());
      s.ok = true;
    } catch (e) {
      s.error = String(e.message || e).split('\n')[0];
    }
    s.ms = Date.now() - t0;
    s.hash = new URL(page.url()).hash;
    const shot = path.join(args.out, `${String(++n).padStart(2, '0')}-${name}.png`);
    try {
      await page.screenshot({ path: shot });
      s.screenshot = shot;
    } catch { /* the page is gone: the error says why */ }
    if (!s.ok) throw new Error(`step ${name}: ${s.error}`);
  }

  try {
    if (args.flow === 'newcomer') await newcomer(page, args, step);
    else if (args.flow === 'admin') await admin(page, args, step);
    else await fallback(page, args, step);
  } catch (e) {
    run.result.failed_at = String(e.message);
  }
  run.result.ok = true;
  emit(run.result);
  await context.close().catch(() => {});
  process.exit(0);
}

async function newcomer(page, args, step) {
  let cameraId = null;

  await step('open-console', async () => {
    await page.goto(args.base + '/', { waitUntil: 'load', timeout: WAIT_MS });
    await page.getByRole('heading', { name: 'Cameras' }).waitFor({ timeout: WAIT_MS });
    return { title: await page.title() };
  });

  await step('add-camera-form', async () => {
    await page.getByRole('link', { name: 'Add camera' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill(args.name);
    await page.getByLabel(/Stream URL/).fill(args.url);
    await page.getByLabel(/Record/).check();
    return {};
  });

  await step('camera-added', async () => {
    await page.getByRole('button', { name: 'Save' }).click();
    const tile = page.locator('[data-camera-id]', { hasText: args.name });
    await tile.waitFor({ timeout: WAIT_MS });
    cameraId = await tile.getAttribute('data-camera-id');
    return { camera_id: cameraId, hash_after_save: new URL(page.url()).hash };
  });

  await step('tile-snapshot', async () => {
    const tile = page.locator(`[data-camera-id="${cameraId}"]`);
    const img = tile.locator('img.tile-snapshot');
    await page.waitForFunction((id) => {
      const i = document.querySelector(`[data-camera-id="${id}"] img.tile-snapshot`);
      return i && i.complete && i.naturalWidth > 0;
    }, cameraId, { timeout: WAIT_MS });
    // The grid polls every 5 s: the badge says RUNNING at the latest one poll
    // after the stream does (STARTING until then, on a busy machine).
    await page.waitForFunction((id) => {
      const b = document.querySelector(`[data-camera-id="${id}"] [data-status]`);
      return b && b.dataset.status === 'RUNNING';
    }, cameraId, { timeout: WAIT_MS }).catch(() => {});
    const badge = await tile.locator('[data-status]').first().getAttribute('data-status');
    return { snapshot_width: await img.evaluate((i) => i.naturalWidth),
             snapshot_src: await img.getAttribute('src'), status: badge,
             alt: await img.getAttribute('alt') };
  });

  await step('live-webrtc', async () => {
    await page.locator(`[data-camera-id="${cameraId}"]`).click({ position: { x: 40, y: 40 } });
    await page.waitForFunction(() => /^#\/live\//.test(location.hash), null, { timeout: WAIT_MS });
    const played = await waitPlaying(page, 'video.live-video', 'live');
    const root = page.locator('[data-mode]').first();
    await page.waitForFunction(() => {
      const r = document.querySelector('[data-mode]');
      return r && r.dataset.fps && r.dataset.latencyMs;
    }, null, { timeout: WAIT_MS }).catch(() => {});
    return { ...played, mode: await root.getAttribute('data-mode'),
             state: await root.getAttribute('data-state'),
             fps: await root.getAttribute('data-fps'),
             latency_ms: await root.getAttribute('data-latency-ms'),
             luma_stddev: await lumaStddev(page, 'video.live-video') };
  });

  await step('live-hls-switch', async () => {
    await page.getByRole('button', { name: /^HLS/ }).first().click();
    await page.waitForFunction(() => {
      const r = document.querySelector('[data-mode]');
      return r && r.dataset.mode === 'hls';
    }, null, { timeout: WAIT_MS });
    const played = await waitPlaying(page, 'video.live-video', 'live over HLS');
    const root = page.locator('[data-mode]').first();
    await page.waitForFunction(() => {
      const r = document.querySelector('[data-mode]');
      return r && r.dataset.latencyMs;
    }, null, { timeout: 10000 }).catch(() => {});
    return { ...played, mode: await root.getAttribute('data-mode'),
             latency_ms: await root.getAttribute('data-latency-ms'),
             fps: await root.getAttribute('data-fps') };
  });

  await step('multiview', async () => {
    await page.goto(`${args.base}/#/multiview?layout=2x2`, { waitUntil: 'load' });
    await page.waitForSelector('video.live-video', { timeout: WAIT_MS });
    await page.waitForFunction(() => {
      const vs = [...document.querySelectorAll('video.live-video')];
      return vs.length >= 2 && vs.filter((v) => v.currentTime > 0.5).length >= 2;
    }, null, { timeout: WAIT_MS });
    const cells = await page.$$eval('video.live-video', (vs) => vs.map((v) => v.currentTime));
    return { cells: cells.length, playing: cells.filter((t) => t > 0.5).length };
  });

  await step('recordings-timeline', async () => {
    await page.goto(`${args.base}/#/live/${cameraId}`, { waitUntil: 'load' });
    await page.locator('main').getByRole('link', { name: /Recordings/ }).first().click();
    await page.waitForFunction(() => /^#\/recordings\//.test(location.hash), null, { timeout: WAIT_MS });
    // A span appears once the first file is closed (recordSegmentDuration);
    // the page is reloaded meanwhile, as a user would press F5.
    const deadline = Date.now() + WAIT_MS;
    let spans = 0;
    while (Date.now() < deadline) {
      spans = await page.locator('[data-testid="timeline"] .timeline-span').count();
      if (spans > 0) break;
      await page.waitForTimeout(2000);
      if (!(await page.locator('[data-testid="timeline"] .timeline-span').count())) await page.reload();
      await page.waitForSelector('[data-testid="timeline"]', { timeout: WAIT_MS });
    }
    if (!spans) throw new Error('no span on the timeline');
    return { spans };
  });

  await step('playback', async () => {
    const span = page.locator('[data-testid="timeline"] .timeline-span').first();
    const box = await span.boundingBox();
    // The middle of the span: a moment that was recorded.
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const played = await waitPlaying(page, 'video.playback-video', 'playback');
    return { ...played, luma_stddev: await lumaStddev(page, 'video.playback-video') };
  });

  await step('phone-width', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto(`${args.base}/#/`, { waitUntil: 'load' });
    await page.locator(`[data-camera-id="${cameraId}"]`).waitFor({ timeout: WAIT_MS });
    await page.waitForTimeout(500);
    return await page.evaluate(() => ({
      scroll_width: document.documentElement.scrollWidth,
      client_width: document.documentElement.clientWidth,
    }));
  });
}

async function admin(page, args, step) {
  let cameraId = null;

  await step('form-field-error', async () => {
    await page.goto(`${args.base}/#/cameras/new`, { waitUntil: 'load', timeout: WAIT_MS });
    await page.getByLabel('Name', { exact: true }).fill(args.name);
    await page.getByLabel(/Stream URL/).fill('ftp://camera.example/stream');
    await page.getByRole('button', { name: 'Save' }).click();
    // The API's own message, shown under the field it names, which has the focus.
    await page.waitForFunction(() => {
      const i = document.querySelector('#camera-url');
      return i && i.getAttribute('aria-invalid') === 'true';
    }, null, { timeout: WAIT_MS });
    const described = await page.locator('#camera-url').getAttribute('aria-describedby');
    const message = described
      ? await page.locator(`[id="${described.split(' ')[0]}"]`).innerText() : null;
    return { message, hash: new URL(page.url()).hash,
             focused: await page.evaluate(() => document.activeElement && document.activeElement.id) };
  });

  await step('form-fixed-saved', async () => {
    await page.getByLabel(/Stream URL/).fill(args.url);
    await page.getByRole('button', { name: 'Save' }).click();
    const tile = page.locator('[data-camera-id]', { hasText: args.name });
    await tile.waitFor({ timeout: WAIT_MS });
    cameraId = await tile.getAttribute('data-camera-id');
    return { camera_id: cameraId };
  });

  await step('streams-bulk-stop', async () => {
    await page.goto(`${args.base}/#/streams`, { waitUntil: 'load', timeout: WAIT_MS });
    const box = page.getByLabel(`Select stream of ${args.name}`).first();
    await box.waitFor({ timeout: WAIT_MS });
    await box.check();
    await page.getByRole('button', { name: /^Stop selected \(1\)/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Stop', exact: true }).click();
    const banner = page.locator('[role="status"], [role="alert"]', { hasText: /Stopped/ }).first();
    await banner.waitFor({ timeout: WAIT_MS });
    // The table, refreshed from the API, shows the row STOPPED.
    const row = page.locator('tr', { has: page.getByLabel(`Select stream of ${args.name}`) }).first();
    await row.locator('[data-status="STOPPED"]').waitFor({ timeout: WAIT_MS });
    return { banner: (await banner.innerText()).slice(0, 200),
             row_status: await row.locator('[data-status]').first().getAttribute('data-status') };
  });

  await step('delete-camera', async () => {
    await page.goto(`${args.base}/#/`, { waitUntil: 'load', timeout: WAIT_MS });
    const tile = page.locator(`[data-camera-id="${cameraId}"]`);
    await tile.waitFor({ timeout: WAIT_MS });
    await tile.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    const title = await dialog.locator('h2').innerText();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await tile.waitFor({ state: 'detached', timeout: WAIT_MS });
    return { dialog_title: title };
  });
}

async function fallback(page, args, step) {
  await step('live-fallback', async () => {
    await page.goto(`${args.base}/#/live/${args.cameraId}`, { waitUntil: 'load', timeout: WAIT_MS });
    await page.waitForFunction(() => {
      const r = document.querySelector('[data-mode]');
      return r && r.dataset.mode === 'hls';
    }, null, { timeout: WAIT_MS });
    const played = await waitPlaying(page, 'video.live-video', 'live after the fallback');
    const root = page.locator('[data-mode]').first();
    return { ...played, mode: await root.getAttribute('data-mode'),
             state: await root.getAttribute('data-state'),
             notice: (await page.locator('[data-mode]').first().innerText()).slice(0, 300) };
  });
}

main().catch((e) => fail(run.result, e, 1));
