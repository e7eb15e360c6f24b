// Hooks shared by the views.
import { useEffect, useRef, useState } from 'preact/hooks';

// Calls `load(signal)` now, then again `intervalMs` after each answer (never
// two at once, however slow vigil is), while the page is visible: a hidden tab
// does not poll, and polls at once when shown again. `reload()` (after a
// change the view made) aborts the request in flight and asks again. When
// `deps` change, the old data is dropped, so a view never shows one camera's
// answer under another's name.
// Returns {data, error, loading, reload}; `data` keeps the last good answer
// while a later poll fails, so a view does not flicker on a blip.
const EMPTY = { data: null, error: null, loading: true };

export function usePoll(load, intervalMs, deps = []) {
  const [state, setState] = useState(EMPTY);
  const loadRef = useRef(load);
  loadRef.current = load;
  const poller = useRef(null);
  if (!poller.current) {
    const p = { live: false, interval: 0, ctl: null, timer: null };
    const tick = () => {
      p.timer = null;
      if (document.hidden) p.timer = setTimeout(tick, p.interval);
      else p.reload();
    };
    p.reload = () => {
      if (!p.live) return Promise.resolve();
      clearTimeout(p.timer);
      p.timer = null;
      if (p.ctl) p.ctl.abort();
      const ctl = (p.ctl = new AbortController());
      const mine = () => p.live && p.ctl === ctl && !ctl.signal.aborted;
      return Promise.resolve()
        .then(() => loadRef.current(ctl.signal))
        .then(
          (data) => mine() && setState({ data, error: null, loading: false }),
          (error) => mine() && error.name !== 'AbortError' && setState((s) => ({ data: s.data, error, loading: false })),
        )
        .finally(() => {
          if (p.ctl !== ctl) return; // a newer request took over, and schedules itself
          p.ctl = null;
          if (p.live && p.interval) p.timer = setTimeout(tick, p.interval);
        });
    };
    p.stop = () => {
      p.live = false;
      clearTimeout(p.timer);
      p.timer = null;
      if (p.ctl) p.ctl.abort();
      p.ctl = null;
    };
    poller.current = p;
  }
  const p = poller.current;

  useEffect(() => {
    setState(EMPTY);
    p.live = true;
    p.interval = intervalMs || 0;
    p.reload();
    const onVisible = () => {
      if (!document.hidden && !p.ctl) p.reload();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      document.removeEventListener('visibilitychange', onVisible);
      p.stop();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  return { ...state, reload: p.reload };
}

// The document title follows the view: "Front door · vigil".
export function useTitle(title) {
  useEffect(() => {
    document.title = title ? `${title} · vigil` : 'vigil';
  }, [title]);
}
