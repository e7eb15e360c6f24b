// The server's health in the top bar: a dot and a word, polled every 10 s.
import { get } from '../api.js';
import { usePoll } from '../hooks.js';

export function HealthDot() {
  const { data, error } = usePoll(() => get('/health'), 10000);
  let state = 'unknown', text = 'checking';
  if (error) {
    state = 'bad';
    text = error.status === 503 ? 'unhealthy' : 'unreachable';
  } else if (data) {
    state = data.status === 'healthy' ? 'good' : 'bad';
    text = data.status;
  }
  const title = error ? error.message : data ? `vigil ${data.version}, up ${data.uptime_s} s` : '';
  return (
    <span class={`health health-${state}`} title={title} role="status">
      <span class="dot" aria-hidden="true" />
      {text}
    </span>
  );
}
