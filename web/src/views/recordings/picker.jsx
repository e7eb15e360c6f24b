// #/recordings: pick a camera; what retention deletes soon, all cameras. And
// the camera <select> both recordings pages show.
import { get } from '../../api.js';
import { navigate, href } from '../../router.js';
import { usePoll, useTitle } from '../../hooks.js';
import { ErrorBanner, Empty } from '../../components/common.jsx';
import { ExpiringPanel } from './expiring.jsx';

export function RecordingsIndex() {
  useTitle('Recordings');
  const cams = usePoll((signal) => get('/api/cameras?limit=1000', { signal }), 0, []);
  const cameras = cams.data ? cams.data.cameras : [];
  return (
    <section class="view recordings">
      <div class="view-header">
        <h1>Recordings</h1>
      </div>
      <ErrorBanner error={cams.error} onRetry={cams.reload} />
      <div class="panel rec-section">
        <CameraPicker cameras={cameras} value="" loading={cams.loading && !cams.data} />
        {cams.data && !cameras.length && (
          <Empty>
            There are no cameras yet. <a href={href('cameras/new')}>Add a camera</a>, turn on its recording, and its
            recordings show here.
          </Empty>
        )}
        {cameras.length > 0 && (
          <ul class="rec-camera-list" aria-label="Cameras">
            {cameras.map((c) => (
              <li key={c.id}>
                <a href={href(`recordings/${c.id}`)}>{c.name}</a>
                <span class={c.record ? 'rec-on' : 'muted'}>{c.record ? 'recording on' : 'recording off'}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      <ExpiringPanel cameras={cameras} camerasLoaded={!!cams.data} cameraId={null} />
    </section>
  );
}

// The camera <select>: choosing one opens its recordings.
export function CameraPicker({ cameras, value, loading }) {
  const known = !value || cameras.some((c) => String(c.id) === value);
  return (
    <div class="field rec-camera-field">
      <label for="rec-camera">Camera</label>
      <select
        id="rec-camera"
        value={value}
        disabled={loading}
        onChange={(e) => e.currentTarget.value && navigate(`recordings/${e.currentTarget.value}`)}
      >
        {!value && <option value="">{loading ? 'Loading cameras…' : 'Choose a camera…'}</option>}
        {!known && <option value={value}>Camera {value}</option>}
        {cameras.map((c) => (
          <option key={c.id} value={String(c.id)}>
            {c.name}
          </option>
        ))}
      </select>
    </div>
  );
}
