// A WHEP client (RFC 9725, WebRTC-HTTP Egress Protocol) for vigil's /whep/<path>
// (docs/webrtc.md). vigil is an ICE-lite agent on one UDP port: its answer
// carries its host candidates and a=end-of-candidates, and it needs none of
// ours, so the offer is POSTed as soon as it is set (no waiting for ICE
// gathering, no trickle PATCH). One BUNDLE transport, recvonly video and audio.
//
//   const s = await startWhep('/whep/cam_1', video, {signal, onFailure});
//   ...                    // s.pc for getStats(), s.connected; onFailure(err) once if the session dies
//   s.close();             // DELETE the session, then close the peer connection

// A failed start or a dead session. `status` and `code` are vigil's answer
// (0 and a local code when vigil was not reached or the failure is the
// browser's); `sticky` marks failures that will happen again on every try in
// this browser on this network (UDP blocked, no codec in common), so a player
// in auto mode can stop trying WebRTC and stay on HLS.
export class WhepError extends Error {
  constructor(message, { status = 0, code = 'webrtc', sticky = false } = {}) {
    super(message);
    this.name = 'WhepError';
    this.status = status;
    this.code = code;
    this.sticky = sticky;
  }
}

// An on-demand camera holds the answer until its tracks arrive, up to
// sourceOnDemandStartTimeout (10 s by default): wait a little longer than that.
const POST_TIMEOUT_MS = 15000;
// ICE "disconnected" can be a blip (a few lost consent checks); this long, it is not.
const DISCONNECTED_GRACE_MS = 5000;
// close(): how long the DELETE may take before the peer connection is closed anyway.
const CLOSE_WAIT_MS = 1000;

// What each status means when vigil's body says nothing more (e.g. a proxy answered).
const STATUS_TEXT = {
  400: 'vigil refused the offer (400)',
  404: 'the camera is not live (404)',
  415: 'vigil refused the offer type (415)',
  429: 'too many viewers on this camera (429)',
  503: 'the stream is unavailable (503)',
};

function abortError() {
  return new DOMException('The WHEP session was aborted', 'AbortError');
}

// vigil's JSON error ({"error": {"code", "message"}}) as a WhepError.
async function responseError(res) {
  let code = `http_${res.status}`;
  let message = STATUS_TEXT[res.status] || `vigil answered HTTP ${res.status}`;
  try {
    const body = await res.text();
    const err = body && JSON.parse(body).error;
    if (err && err.message) message = err.message;
    if (err && err.code) code = err.code;
  } catch {
    /* not JSON: keep the status text */
  }
  // A codec or offer vigil cannot take will be refused again next time.
  const sticky = res.status === 415 || (res.status === 400 && code !== 'invalid_request');
  return new WhepError(message, { status: res.status, code, sticky });
}

// Starts playing `url` (a WHEP endpoint) into `video`. Resolves once vigil's
// answer is applied (ICE and DTLS go on after that; a failure of either is
// reported through onFailure); rejects with a WhepError (or an AbortError when
// `signal` aborts). The caller decides whether frames arrive in time.
export async function startWhep(url, video, { signal, onFailure } = {}) {
  if (typeof RTCPeerConnection === 'undefined') {
    throw new WhepError('this browser has no WebRTC', { code: 'unsupported', sticky: true });
  }
  if (signal && signal.aborted) throw abortError();

  // No ICE servers: vigil's candidates are host addresses the browser reaches directly.
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  let closed = false;
  let failed = false;
  let location = null;
  let discTimer = null;
  const stream = new MediaStream();

  const session = {
    pc,
    get location() {
      return location;
    },
    // True once ICE (or the whole connection) has connected at least once.
    get connected() {
      const ice = pc.iceConnectionState;
      return everConnected || ice === 'connected' || ice === 'completed' || pc.connectionState === 'connected';
    },
    // Ends the session: vigil is told (DELETE, keepalive so it still goes out
    // when the page is being unloaded), and the peer connection is closed once
    // vigil has answered (or after CLOSE_WAIT_MS). Closing it first would send
    // DTLS close_notify, which ends the session at vigil before the DELETE
    // arrives, and the DELETE would find nothing (404).
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(discTimer);
      if (signal) signal.removeEventListener('abort', onAbort);
      if (video && video.srcObject === stream) video.srcObject = null;
      const shut = () => {
        try {
          pc.close();
        } catch {
          /* already closed */
        }
      };
      if (!location) {
        shut();
        return;
      }
      const timer = setTimeout(shut, CLOSE_WAIT_MS);
      fetch(location, { method: 'DELETE', keepalive: true, cache: 'no-store' })
        // Any answer will do: 200 ended it, and 404 means it had ended already
        // (vigil saw the connection go); either way the session is gone.
        .catch(() => {
          /* vigil not reached: the session times out there by itself */
        })
        .finally(() => {
          clearTimeout(timer);
          shut();
        });
    },
  };
  const onAbort = () => session.close();
  if (signal) signal.addEventListener('abort', onAbort);

  // Failing before ever connecting means UDP to vigil does not pass here
  // (firewall, NAT, a wrong webrtcAdditionalHosts): sticky. A session that
  // connected and then dropped is worth starting again.
  let everConnected = false;
  // The session died after (or while) connecting: tell the owner once.
  const fail = (message) => {
    if (closed || failed) return;
    failed = true;
    clearTimeout(discTimer);
    if (onFailure) onFailure(new WhepError(message, { code: 'connection', sticky: !everConnected }));
  };
  const watch = () => {
    if (closed) return;
    const ice = pc.iceConnectionState;
    const conn = pc.connectionState; // undefined in old browsers: ICE state alone then
    if (conn === 'connected' || ice === 'connected' || ice === 'completed') everConnected = true;
    if (ice === 'failed') {
      fail(everConnected ? 'the connection to vigil was lost (ICE failed)' : 'ICE failed: no UDP path to vigil');
    } else if (conn === 'failed') {
      fail(everConnected ? 'the connection to vigil was lost' : 'the DTLS handshake with vigil failed');
    } else if (conn === 'closed' || ice === 'closed') {
      fail('vigil closed the session');
    } else if (ice === 'disconnected' || conn === 'disconnected') {
      if (!discTimer) {
        discTimer = setTimeout(() => {
          discTimer = null;
          const still = pc.iceConnectionState === 'disconnected' || pc.connectionState === 'disconnected';
          if (still) fail(`no answer from vigil for ${DISCONNECTED_GRACE_MS / 1000} s (connection lost)`);
        }, DISCONNECTED_GRACE_MS);
      }
    } else if (discTimer) {
      clearTimeout(discTimer);
      discTimer = null;
    }
  };
  pc.addEventListener('iceconnectionstatechange', watch);
  pc.addEventListener('connectionstatechange', watch);

  const watchedTransports = new WeakSet(); // BUNDLE: both tracks share one
  pc.addEventListener('track', (e) => {
    if (closed) return; // the <video> may be playing the next attempt already
    // vigil's answer names one stream for both tracks; gather them ourselves
    // anyway, so a track without an msid plays too.
    if (!stream.getTracks().includes(e.track)) stream.addTrack(e.track);
    // DTLS ended by vigil (close_notify: the path ended) shows as the
    // transport closing; Chromium does not always move connectionState then.
    const transport = e.receiver && e.receiver.transport;
    if (transport && !watchedTransports.has(transport)) {
      watchedTransports.add(transport);
      transport.addEventListener('statechange', () => {
        if (transport.state === 'closed') fail('vigil closed the session');
        else if (transport.state === 'failed') fail(everConnected ? 'the connection to vigil was lost' : 'the DTLS handshake with vigil failed');
      });
    }
    if (video && video.srcObject !== stream) video.srcObject = stream;
  });

  try {
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    await pc.setLocalDescription(await pc.createOffer());
    if (closed) throw abortError();

    const ctl = new AbortController();
    const stop = () => ctl.abort();
    if (signal) signal.addEventListener('abort', stop);
    const timer = setTimeout(stop, POST_TIMEOUT_MS);
    let res;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp', Accept: 'application/sdp' },
        body: pc.localDescription.sdp,
        cache: 'no-store',
        signal: ctl.signal,
      });
    } catch (e) {
      if (signal && signal.aborted) throw abortError();
      if (ctl.signal.aborted) throw new WhepError(`vigil did not answer the offer within ${POST_TIMEOUT_MS / 1000} s`, { code: 'timeout' });
      throw new WhepError(`vigil cannot be reached (${e.message})`, { code: 'network' });
    } finally {
      clearTimeout(timer);
      if (signal) signal.removeEventListener('abort', stop);
    }
    if (res.status !== 201 && res.status !== 200) throw await responseError(res);

    // The session's URL, relative to the endpoint's (RFC 9725 section 4.2).
    const loc = res.headers.get('Location');
    if (loc) location = new URL(loc, new URL(url, document.baseURI)).href;
    const answer = await res.text();
    if (closed) throw abortError(); // aborted while the answer came: close() has DELETEd it
    if (!answer.startsWith('v=')) throw new WhepError('vigil answered without an SDP answer', { code: 'bad_answer' });
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    } catch (e) {
      throw new WhepError(`the browser refused vigil's answer: ${e.message}`, { code: 'bad_answer', sticky: true });
    }
    if (closed) throw abortError();
    watch();
    return session;
  } catch (e) {
    session.close();
    throw e;
  }
}
