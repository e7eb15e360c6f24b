#!/usr/bin/env node
// Asks headless Chromium for a WHEP viewer's offer (one recvonly video and one
// recvonly audio transceiver) and, optionally, whether it accepts vigil's
// answer to it. Prints one JSON object on stdout. A manual check for
// src/webrtc/sdp.c; the unit tests are tests/unit/webrtc/test_sdp.c.
//
//   unshare -n sh -c 'ip link set lo up && node tests/browser/sdp_check.mjs \
//       [--offer-out offer.sdp] [--answer-cmd "CMD"]...'
//
// --answer-cmd runs CMD with sh -c and OFFER=<path of the offer file> in its
// environment; its stdout is the answer given to setRemoteDescription. Each
// --answer-cmd gets a fresh peer connection (and a fresh offer). Run under
// `unshare -n` (TESTING.md): ICE gathering must never see a real interface.
import { chromium } from 'playwright-core';
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CHROMIUM = process.env.VIGIL_CHROMIUM || '/usr/bin/chromium';
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-proxy-server', '--mute-audio', '--disable-dev-shm-usage',
  '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns',
];

const args = { offerOut: null, answerCmds: [] };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  if (argv[i] === '--offer-out') args.offerOut = argv[i + 1];
  else if (argv[i] === '--answer-cmd') args.answerCmds.push(argv[i + 1]);
  else { process.stderr.write(`sdp_check: unknown option ${argv[i]}\n`); process.exit(2); }
}

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdp_check-'));
let context = null;
const cleanup = () => fs.rmSync(userDataDir, { recursive: true, force: true });
setTimeout(() => { process.stderr.write('sdp_check: time bound hit\n'); process.exit(3); }, 60000).unref();
process.on('exit', cleanup);

// In the page: a fresh offer, with the local description set (as a WHEP player does).
const makeOffer = async () => {
  const pc = new RTCPeerConnection();
  window.pcs = (window.pcs || []);
  window.pcs.push(pc);
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  await pc.setLocalDescription(await pc.createOffer());
  return { index: window.pcs.length - 1, sdp: pc.localDescription.sdp };
};

// In the page: the answer to peer connection `index`, then what was negotiated.
const applyAnswer = async ([index, sdp]) => {
  const pc = window.pcs[index];
  try {
    await pc.setRemoteDescription({ type: 'answer', sdp });
  } catch (e) {
    return { accepted: false, error: String(e.message || e) };
  }
  return {
    accepted: true,
    signaling_state: pc.signalingState,
    // A transceiver whose m-line was answered with port 0 is stopped and no longer listed.
    transceivers: pc.getTransceivers().map((t) => ({
      mid: t.mid, kind: t.receiver.track.kind, current_direction: t.currentDirection,
    })),
  };
};

let result = { ok: false };
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 20000,
  });
  const page = context.pages()[0] || await context.newPage();
  await page.goto('about:blank');
  const first = await page.evaluate(makeOffer);
  if (args.offerOut) fs.writeFileSync(args.offerOut, first.sdp);
  result = { ok: true, user_agent: await page.evaluate(() => navigator.userAgent), offer: first.sdp, answers: [] };
  for (const cmd of args.answerCmds) {
    const { index, sdp } = await page.evaluate(makeOffer);
    const offerFile = path.join(userDataDir, `offer-${index}.sdp`);
    fs.writeFileSync(offerFile, sdp);
    let answer;
    try {
      answer = execSync(cmd, { env: { ...process.env, OFFER: offerFile }, encoding: 'utf8', timeout: 10000 });
    } catch (e) {
      result.answers.push({ cmd, accepted: false, error: `command failed: ${e.message.split('\n')[0]}` });
      continue;
    }
    result.answers.push({ cmd, ...(await page.evaluate(applyAnswer, [index, answer])) });
  }
} catch (e) {
  result = { ...result, ok: false, error: String(e.message || e) };
} finally {
  if (context) await context.close().catch(() => {});
}
process.stdout.write(JSON.stringify(result, null, 1) + '\n');
process.exit(result.ok ? 0 : 1);
