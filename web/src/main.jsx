// The vigil web console: one page, routed by the URL's hash.
//   #/                      cameras grid (add, edit, delete; a click opens live)
//   #/cameras/new           add a camera          #/cameras/3/edit  edit one
//   #/live/3                live player (WebRTC, falling back to LL-HLS)
//   #/multiview?layout=2x2  several cameras live at once
//   #/recordings/3?day=...  a day's timeline, playback, export, clips, expiring
//   #/streams               the streams admin (seed 001)
import { render } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import './style.css';
import { useRoute, href } from './router.js';
import { CamerasView } from './views/cameras.jsx';
import { CameraForm } from './views/camera_form.jsx';
import { LiveView } from './views/live.jsx';
import { MultiView } from './views/multiview.jsx';
import { RecordingsView } from './views/recordings/index.jsx';
import { StreamsView } from './views/streams.jsx';
import { HealthDot } from './views/health.jsx';

const NAV = [
  { path: '', match: ['', 'cameras', 'live'], label: 'Cameras' },
  { path: 'multiview', match: ['multiview'], label: 'Multi-view' },
  { path: 'recordings', match: ['recordings'], label: 'Recordings' },
  { path: 'streams', match: ['streams'], label: 'Streams' },
];

function page(route) {
  const [a, b, c] = route.parts;
  if (!a || a === 'cameras') {
    if (b === 'new') return <CameraForm key="new" />;
    if (b && c === 'edit') return <CameraForm key={b} id={b} />;
    return <CamerasView />;
  }
  // Keyed by camera: another camera is a new view, with nothing left of the last one's state.
  if (a === 'live' && b) return <LiveView key={b} id={b} query={route.query} />;
  if (a === 'multiview') return <MultiView query={route.query} />;
  if (a === 'recordings') return <RecordingsView key={b || ''} id={b || null} query={route.query} />;
  if (a === 'streams') return <StreamsView />;
  return (
    <section class="view">
      <h1>Not found</h1>
      <p>
        There is no page at <code>#{route.path}</code>. <a href={href('')}>Back to the cameras</a>.
      </p>
    </section>
  );
}

// On a new page (not a new query on the same one) the focus moves to its
// heading, so keyboard and screen-reader users start at the top of what
// changed instead of on <body> after the control they used disappeared.
function useFocusOnNewPage(path) {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const raf = requestAnimationFrame(() => {
      const h = document.querySelector('main h1');
      if (!h || h.contains(document.activeElement)) return;
      h.tabIndex = -1;
      h.focus();
    });
    return () => cancelAnimationFrame(raf);
  }, [path]);
}

function App() {
  const route = useRoute();
  const top = route.parts[0] || '';
  useFocusOnNewPage(route.path);
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main').focus())}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href('')}>
          vigil
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.label}>
                <a href={href(n.path)} aria-current={n.match.includes(top) ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <HealthDot />
      </header>
      <main id="main" tabIndex={-1}>
        {page(route)}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app'));
