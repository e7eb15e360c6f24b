// Placeholder until this view is written.
export function CamerasView() {
  return <section class="view"><h1>CamerasView</h1><p class="muted">Coming.</p></section>;
}
