// What the browser harnesses (hls_play.mjs, whep_play.mjs, console_flow.mjs)
// need around Debian's Chromium: its path and TESTING.md's flags, its pid and
// CPU from /proc, and the exit paths: whatever way the script ends, one JSON
// object is printed and the browser is killed by its process group, its
// profile removed. Also Firefox's path and prefs, for console_flow.mjs.
import fs from 'node:fs';
import os from 'node:os';

export const CHROMIUM = process.env.VIGIL_CHROMIUM || '/usr/bin/chromium';
// TESTING.md's flags: nothing may try the network (the tests run under
// `unshare -n`), autoplay without a gesture, software rendering.
export const BASE_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required', '--no-proxy-server', '--mute-audio',
  '--disable-dev-shm-usage',
];

// Firefox, for console_flow.mjs --browser firefox: Debian's Firefox ESR driven
// over WebDriver BiDi (playwright-core's `firefox` with a `moz-firefox`
// channel; Playwright's own patched Firefox is never used or downloaded).
export const FIREFOX = process.env.VIGIL_FIREFOX || '/usr/bin/firefox-esr';
// Profile preferences (user.js), on top of Playwright's own, which already
// turn off updates, safe browsing, telemetry uploads and the like.
export const FIREFOX_PREFS = {
  // Autoplay without a gesture (Chromium: --autoplay-policy=no-user-gesture-required).
  'media.autoplay.default': 0,
  // WebRTC on loopback inside the tests' namespace. Firefox leaves 127.0.0.1
  // out of its ICE candidates unless told (Chromium: --allow-loopback-in-peer-connection).
  'media.peerconnection.ice.loopback': true,
  // A page without a camera or microphone permission gets only the host's
  // "default address" as a candidate, found by a UDP connect() towards a
  // public address; with only lo up there is no route, so it gathers no
  // candidate at all and ICE fails at once. An allowed-by-default
  // camera/microphone permission lifts that (Chromium: grantPermissions;
  // playwright's grantPermissions answers "unsupported operation" for these
  // over BiDi). Nothing is captured: the console never asks for a device.
  'permissions.default.camera': 1,
  'permissions.default.microphone': 1,
  // Nothing may try the network (Chromium: --no-proxy-server,
  // --disable-background-networking, --disable-component-update): no proxy,
  // captive-portal probe, DNS-over-HTTPS, prefetch, push, region lookup,
  // remote settings or blocklist download.
  'network.proxy.type': 0,
  'network.captive-portal-service.enabled': false,
  'network.trr.mode': 5,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'dom.push.connection.enabled': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'services.settings.server': 'http://127.0.0.1:9/',
  'extensions.blocklist.enabled': false,
  'app.normandy.enabled': false,
};
// H.264 over WebRTC. Firefox offers H.264 only with Cisco's OpenH264 plugin,
// which it downloads on first use (so a user's Firefox has it, but nothing can
// be downloaded here: its offer then has VP8, VP9 and AV1 only and vigil
// answers 400 no_codec_in_common), or with hardware H.264. These two prefs make
// it take the "hardware" path: the WebRTC H.264 blocklist entry says OK, and
// decoding then goes through Firefox's platform decoder (FFmpeg, in software
// here) instead of OpenH264. ICE, DTLS, SRTP, RTP and RTCP are Firefox's own.
export const FIREFOX_H264_PREFS = {
  'media.webrtc.hw.h264.enabled': true,
  'gfx.blacklist.webrtc.hw.acceleration.h264': 1, // nsIGfxInfo::FEATURE_STATUS_OK
};
// Playwright's screenshot in Firefox briefly adds <style>body {}</style> to
// the page (to restart animations); vigil's CSP (style-src 'self') blocks it
// and Firefox reports that as a page error naming the style's hash. Only that
// exact style is ignored: any other blocked inline style is still reported.
export const FIREFOX_SCREENSHOT_CSP_HASH = 'sha256-YjaKGiklmzC6wjXA513HAMmzus8VE61XCOT+SmwNZWA=';

// The browser this process launched (Chromium, or Firefox for
// console_flow.mjs): its direct child, the leader of its process group.
export function chromiumChildPid() {
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === process.pid) return Number(name);
    } catch { /* gone meanwhile */ }
  }
  return null;
}

// CPU seconds of every process in Chromium's session (it leads one).
export function chromiumCpuSeconds(pid) {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // f[3] is the session id, f[11]/f[12] utime/stime, f[13]/f[14] of waited-for children
      if (Number(f[3]) === pid) total += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch { /* gone meanwhile */ }
  }
  return total / tick;
}

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

// State shared with the exit paths: the script sets these as it goes.
export const run = {
  browserPid: null,
  userDataDir: null,
  result: {}, // what is known so far, printed on every way out
  printed: false,
};

function killChromium() {
  if (run.browserPid === null) return;
  try { process.kill(-run.browserPid, 'SIGKILL'); } catch { /* already gone */ }
  try { process.kill(run.browserPid, 'SIGKILL'); } catch { /* already gone */ }
  run.browserPid = null;
}

export function cleanupSync() {
  killChromium();
  if (run.userDataDir) {
    try { fs.rmSync(run.userDataDir, { recursive: true, force: true, maxRetries: 3 }); } catch { /* best effort */ }
    run.userDataDir = null;
  }
}

export function emit(obj) {
  if (run.printed) return;
  run.printed = true;
  process.stdout.write(JSON.stringify(obj) + '\n');
}

export function fail(partial, err, code) {
  emit({ ...partial, ok: false, error: String(err && err.message || err) });
  cleanupSync();
  process.exit(code);
}

process.on('exit', cleanupSync);
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, () => fail(run.result, `killed by ${sig}`, 128 + os.constants.signals[sig]));
}
