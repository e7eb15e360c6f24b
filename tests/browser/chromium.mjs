// What both browser harnesses (hls_play.mjs, whep_play.mjs) need around
// Debian's Chromium: its path and TESTING.md's flags, its pid and CPU from
// /proc, and the exit paths: whatever way the script ends, one JSON object
// is printed and Chromium is killed by its process group, its profile removed.
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

// The Chromium this process launched: its direct child.
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
