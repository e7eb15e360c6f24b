// The Recordings view (docs/recordings.md):
//   #/recordings                          pick a camera; what retention deletes soon, all cameras
//   #/recordings/3?day=2026-11-22&t=<ISO>  one camera's local day: recording status, the
//                                          timeline, playback from a moment, export, clips,
//                                          and what of it expires soon
// The day and the moment chosen to play live in the URL (replaced, not pushed),
// so a link reopens the same moment; everything else is the page's own state.
// Each part is a module of its own in this folder: picker.jsx (the camera
// list and <select>), camera.jsx (one camera's page and the state its parts
// share), status.jsx, day.jsx (day picker and timeline), playback.jsx,
// range.jsx (export or keep a range), spans.jsx, clips.jsx, expiring.jsx,
// and shared.js (what several of them use).
import { RecordingsIndex } from './picker.jsx';
import { CameraRecordings } from './camera.jsx';
import './recordings.css';

export function RecordingsView({ id, query }) {
  if (!id) return <RecordingsIndex />;
  // A camera of its own: switching cameras starts the page over.
  return <CameraRecordings key={id} id={id} query={query} />;
}
