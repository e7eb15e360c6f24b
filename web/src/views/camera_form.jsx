// Add a camera (#/cameras/new) or edit one (#/cameras/3/edit).
// The API is the authority on what is valid: its 400s are shown at the field
// they are about. The form checks only the obvious (required fields, the
// retention range) first, in the API's own words, to save a round trip.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post, patch, liveStreamOf } from '../api.js';
import { useTitle } from '../hooks.js';
import { navigate, href } from '../router.js';
import { Field, ErrorBanner } from '../components/common.jsx';
import { setCamerasNotice } from './cameras.jsx';
import { fieldOf, planLength } from './shared.js';
import './camera_form.css';

// The form's fields, in the order they appear (the first invalid one gets focus), and their inputs' ids.
const IDS = {
  name: 'camera-name',
  stream_url: 'camera-url',
  location: 'camera-location',
  on_demand: 'camera-on-demand',
  record: 'camera-record',
  plan: 'camera-plan',
  retention_days: 'camera-retention-days',
};
const FIELDS = Object.keys(IDS);

const BLANK = { name: '', stream_url: '', location: '', on_demand: false, record: false, plan: '', retention_days: '' };

function validate(v, editing) {
  const errs = {};
  if (!v.name.trim()) errs.name = 'name must not be empty';
  if (!editing && !v.stream_url.trim()) errs.stream_url = 'stream_url must not be empty';
  if (v.retention_days !== '') {
    const n = Number(v.retention_days);
    if (!Number.isInteger(n) || n < 1 || n > 3650) {
      errs.retention_days = "retention_days must be from 1 to 3650 days, or empty for the plan's";
    }
  }
  return errs;
}

function focusFirst(errs) {
  const f = FIELDS.find((k) => errs[k]);
  if (f) document.getElementById(IDS[f])?.focus();
}

// Keyed by the camera, so going from one camera's form to another's (or to
// "new") starts from a fresh state instead of the previous camera's.
export function CameraForm({ id }) {
  return <CameraFormFor key={id ?? 'new'} id={id} />;
}

function CameraFormFor({ id }) {
  const editing = id !== undefined && id !== null;
  // Edit: {camera, stream} once loaded. Add: there is nothing to load.
  const [loaded, setLoaded] = useState(editing ? null : { camera: null, stream: null });
  const [loadError, setLoadError] = useState(null);
  const [plans, setPlans] = useState({ list: null, error: null });
  const [v, setV] = useState(BLANK);
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [sending, setSending] = useState(false);
  const alive = useRef(true);
  useEffect(() => () => (alive.current = false), []);

  useTitle(editing ? (loaded && loaded.camera ? `Edit ${loaded.camera.name}` : 'Edit camera') : 'Add camera');

  useEffect(() => {
    const ctl = new AbortController();
    get('/api/plans', { signal: ctl.signal }).then(
      (r) => setPlans({ list: r.plans || [], error: null }),
      (e) => e.name !== 'AbortError' && setPlans({ list: [], error: e }),
    );
    return () => ctl.abort();
  }, []);

  const load = () => {
    if (!editing) return undefined;
    const ctl = new AbortController();
    setLoadError(null);
    setLoaded(null);
    Promise.all([get(`/api/cameras/${encodeURIComponent(id)}`, { signal: ctl.signal }), liveStreamOf(id, ctl.signal)]).then(
      ([camera, stream]) => {
        setLoaded({ camera, stream });
        setV({
          name: camera.name,
          stream_url: '', // never the redacted URL: saving it back would store the ***
          location: camera.location || '',
          on_demand: !!(stream && stream.on_demand),
          record: !!camera.record,
          plan: camera.plan || '',
          retention_days: camera.retention_days === null || camera.retention_days === undefined ? '' : String(camera.retention_days),
        });
      },
      (e) => e.name !== 'AbortError' && setLoadError(e),
    );
    return () => ctl.abort();
  };
  useEffect(load, [id]);

  const set = (k) => (e) => {
    const val = e.currentTarget.type === 'checkbox' ? e.currentTarget.checked : e.currentTarget.value;
    setV((old) => ({ ...old, [k]: val }));
  };

  function fail(err) {
    const f = fieldOf(err, FIELDS);
    if (f) {
      setErrors({ [f]: err.message });
      setFormError(null);
      setTimeout(() => focusFirst({ [f]: true }), 0);
    } else {
      setErrors({});
      setFormError(err);
    }
  }

  async function create() {
    const body = {
      name: v.name.trim(),
      stream_url: v.stream_url.trim(),
      location: v.location.trim() || null,
      record: v.record,
      plan: v.plan || null,
      retention_days: v.retention_days === '' ? null : Number(v.retention_days),
    };
    const camera = await post('/api/cameras', body);
    // The camera exists from here on: a failure to start its stream is not the form's
    // (sending the form again would add it twice), so the grid says it.
    try {
      // Unticked says nothing: vigil's sourceOnDemand setting decides (docs/config.md).
      const start = { camera_id: camera.id };
      if (v.on_demand) start.on_demand = true;
      const stream = await post('/api/streams/start', start);
      setCamerasNotice({
        text: stream && stream.on_demand
          ? `Added ${camera.name}. Its stream waits on demand for its first viewer.`
          : `Added ${camera.name}. Its stream is starting.`,
      });
    } catch (e) {
      setCamerasNotice({ error: true, text: `Added ${camera.name}, but its stream did not start: ${e.message}` });
    }
    navigate('');
  }

  async function save() {
    const cam = loaded.camera;
    const body = {};
    const name = v.name.trim();
    if (name !== cam.name) body.name = name;
    // Empty keeps the current URL (the API only ever shows it redacted).
    if (v.stream_url.trim()) body.stream_url = v.stream_url.trim();
    const location = v.location.trim() || null;
    if (location !== (cam.location || null)) body.location = location;
    if (v.record !== !!cam.record) body.record = v.record;
    const plan = v.plan || null;
    if (plan !== (cam.plan || null)) body.plan = plan;
    const days = v.retention_days === '' ? null : Number(v.retention_days);
    if (days !== (cam.retention_days ?? null)) body.retention_days = days;

    const wasOnDemand = !!(loaded.stream && loaded.stream.on_demand);
    const onDemandChanged = v.on_demand !== wasOnDemand;
    const saved = Object.keys(body).length ? await patch(`/api/cameras/${cam.id}`, body) : cam;
    const shownName = saved.name || name;

    // A started stream keeps its settings and its source URL (docs/api.md), so
    // a new on-demand choice or a new URL takes effect only by restarting it.
    let restart = null;
    if (onDemandChanged || body.stream_url) {
      let step = 'stop';
      try {
        const live = await liveStreamOf(cam.id);
        if (live) await post(`/api/streams/${encodeURIComponent(live.id)}/stop`);
        if (live || onDemandChanged) {
          step = 'start';
          await post('/api/streams/start', { camera_id: cam.id, on_demand: v.on_demand });
          const how = v.on_demand ? 'on demand (pulled only while someone watches)' : 'pulling continuously';
          restart = live
            ? `Its stream was restarted ${onDemandChanged ? how : 'with the new URL'}.`
            : `Its stream was started ${how}.`;
        }
      } catch (e) {
        setCamerasNotice({
          error: true,
          text:
            step === 'stop'
              ? `Saved ${shownName}, but its stream could not be restarted: ${e.message}`
              : `Saved ${shownName}, but its stream is now stopped: it could not be started again: ${e.message}`,
        });
        navigate('');
        return;
      }
    }
    const what = Object.keys(body).length ? `Saved ${shownName}.` : `No changes to ${shownName}'s settings.`;
    setCamerasNotice({ text: restart ? `${what} ${restart}` : what });
    navigate('');
  }

  async function onSubmit(e) {
    e.preventDefault();
    if (sending) return;
    const errs = validate(v, editing);
    setFormError(null);
    setErrors(errs);
    if (Object.keys(errs).length) {
      focusFirst(errs);
      return;
    }
    setSending(true);
    try {
      await (editing ? save() : create());
    } catch (err) {
      if (alive.current) fail(err);
    } finally {
      if (alive.current) setSending(false);
    }
  }

  const title = editing ? (loaded && loaded.camera ? `Edit ${loaded.camera.name}` : 'Edit camera') : 'Add camera';

  if (editing && loadError) {
    return (
      <section class="view camera-form-view">
        <h1>Edit camera</h1>
        <ErrorBanner error={loadError} onRetry={loadError.status === 404 ? undefined : load} />
        <p>
          <a href={href('')}>Back to the cameras</a>
        </p>
      </section>
    );
  }
  if (!loaded) {
    return (
      <section class="view camera-form-view">
        {/* The same structure as the form's, so the heading (focused on arrival) stays the same element. */}
        <div class="view-header">
          <h1>{title}</h1>
        </div>
        <p class="muted">Loading the camera…</p>
      </section>
    );
  }

  const cam = loaded.camera;
  // aria-describedby for a control: its error when there is one, else its hint.
  const desc = (k, hasHint = true) => (errors[k] ? `${IDS[k]}-error` : hasHint ? `${IDS[k]}-hint` : undefined);
  const planList = plans.list || [];
  const knownPlan = !v.plan || planList.some((p) => p.name === v.plan);

  return (
    <section class="view camera-form-view">
      <div class="view-header">
        <h1>{title}</h1>
      </div>
      <form class="panel camera-form" onSubmit={onSubmit} noValidate aria-labelledby="camera-form-title">
        <h2 id="camera-form-title" class="sr-only">
          {title}
        </h2>
        <Field id={IDS.name} label="Name" error={errors.name}>
          <input
            id={IDS.name}
            type="text"
            value={v.name}
            onInput={set('name')}
            required
            maxLength={100}
            autocomplete="off"
            aria-invalid={errors.name ? 'true' : undefined}
            aria-describedby={desc('name', false)}
          />
        </Field>
        <Field
          id={IDS.stream_url}
          label="Stream URL"
          error={errors.stream_url}
          hint={
            editing
              ? 'Leave empty to keep the current URL. A new one restarts the live stream.'
              : 'rtsp://user:password@host:554/path, or demo: for a test pattern'
          }
        >
          <input
            id={IDS.stream_url}
            type="url"
            inputMode="url"
            value={v.stream_url}
            onInput={set('stream_url')}
            required={!editing}
            maxLength={2048}
            autocomplete="off"
            spellcheck={false}
            placeholder={editing ? cam.stream_url : 'rtsp://user:password@host:554/path'}
            aria-invalid={errors.stream_url ? 'true' : undefined}
            aria-describedby={desc('stream_url')}
          />
        </Field>
        <Field id={IDS.location} label="Location" error={errors.location} hint="Optional, e.g. Ground floor">
          <input
            id={IDS.location}
            type="text"
            value={v.location}
            onInput={set('location')}
            maxLength={200}
            aria-invalid={errors.location ? 'true' : undefined}
            aria-describedby={desc('location')}
          />
        </Field>
        <Field
          id={IDS.on_demand}
          inline
          label="On demand"
          error={errors.on_demand}
          hint={
            editing && !loaded.stream
              ? 'Pull the camera only while someone watches. It is not streaming now: changing this starts its stream that way.'
              : editing
                ? 'Pull the camera only while someone watches. Changing this restarts its stream.'
                : "Pull the camera only while someone watches. Unticked, vigil's sourceOnDemand setting decides."
          }
        >
          <input
            id={IDS.on_demand}
            type="checkbox"
            checked={v.on_demand}
            onChange={set('on_demand')}
            aria-invalid={errors.on_demand ? 'true' : undefined}
            aria-describedby={desc('on_demand')}
          />
        </Field>
        <Field id={IDS.record} inline label="Record 24/7" error={errors.record} hint="Recorded around the clock while its stream runs">
          <input
            id={IDS.record}
            type="checkbox"
            checked={v.record}
            onChange={set('record')}
            aria-invalid={errors.record ? 'true' : undefined}
            aria-describedby={desc('record')}
          />
        </Field>
        <fieldset class="camera-form-retention">
          <legend>Retention</legend>
          <div class="camera-form-row">
            <Field
              id={IDS.plan}
              label="Plan"
              error={errors.plan}
              hint={plans.error ? `vigil did not list its plans (${plans.error.message}).` : undefined}
            >
              <select
                id={IDS.plan}
                value={v.plan}
                onChange={set('plan')}
                aria-invalid={errors.plan ? 'true' : undefined}
                aria-describedby={desc('plan', !!plans.error)}
              >
                <option value="">Plan default (none)</option>
                {planList.map((p) => (
                  <option key={p.name} value={p.name}>
                    {p.name} ({planLength(p)})
                  </option>
                ))}
                {!knownPlan && <option value={v.plan}>{v.plan} (not configured)</option>}
              </select>
            </Field>
            <Field
              id={IDS.retention_days}
              label="Retention days"
              error={errors.retention_days}
              hint="Optional, 1–3650: overrides the plan"
            >
              <input
                id={IDS.retention_days}
                type="number"
                inputMode="numeric"
                min={1}
                max={3650}
                step={1}
                value={v.retention_days}
                onInput={set('retention_days')}
                aria-invalid={errors.retention_days ? 'true' : undefined}
                aria-describedby={desc('retention_days')}
              />
            </Field>
          </div>
        </fieldset>

        <ErrorBanner error={formError} />
        <div class="actions">
          <button type="button" class="btn" onClick={() => navigate('')}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" disabled={sending} aria-busy={sending ? 'true' : undefined}>
            Save
          </button>
        </div>
      </form>
    </section>
  );
}
