// Hash routes (#/cameras, #/live/3, #/recordings/3?day=2026-11-22): the server
// serves one index.html and never needs to know the console's pages.
import { useEffect, useState } from 'preact/hooks';

// The current route: {path: 'live/3', parts: ['live', '3'], query: URLSearchParams}.
export function parseHash(hash) {
  const raw = (hash || '').replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = (q < 0 ? raw : raw.slice(0, q)).replace(/\/+$/, '');
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  // A malformed escape (#/live/%E0) stays as typed and leads to "Not found", not a blank page.
  const decode = (part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  };
  return { path, parts: path ? path.split('/').map(decode) : [], query };
}

export function useRoute() {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

// Goes to a route, e.g. navigate('live/3') or navigate('recordings/3', {day: '2026-11-22'}).
export function navigate(path, params, { replace = false } = {}) {
  const q = params ? new URLSearchParams(params).toString() : '';
  const hash = '#/' + path + (q ? '?' + q : '');
  if (replace) history.replaceState(null, '', hash), dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

// An href for a route, for <a> elements (so links open in new tabs and work from the keyboard).
export function href(path, params) {
  const q = params ? new URLSearchParams(params).toString() : '';
  return '#/' + path + (q ? '?' + q : '');
}
