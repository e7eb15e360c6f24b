// Hooks shared by the views.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

// Calls `load(signal)` now and every `intervalMs` while the page is visible
// (a hidden tab does not poll), and again when `deps` change.
// Returns {data, error, loading, reload}; `data` keeps the last good answer
// while a later poll fails, so a view does not flicker on a blip.
export function usePoll(load, intervalMs, deps = []) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    const ctl = new AbortController();
    try {
      const data = await loadRef.current(ctl.signal);
      if (mine === generation.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (error.name === 'AbortError') return;
      if (mine === generation.current) setState((s) => ({ data: s.data, error, loading: false }));
    }
  }, []);

  useEffect(() => {
    setState((s) => ({ ...s, loading: true }));
    reload();
    if (!intervalMs) return undefined;
    const timer = setInterval(() => {
      if (!document.hidden) reload();
    }, intervalMs);
    const onVisible = () => {
      if (!document.hidden) reload();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      generation.current++;
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  return { ...state, reload };
}

// The document title follows the view: "Front door · vigil".
export function useTitle(title) {
  useEffect(() => {
    document.title = title ? `${title} · vigil` : 'vigil';
  }, [title]);
}
