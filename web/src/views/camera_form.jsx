// Placeholder until this view is written.
export function CameraForm() {
  return <section class="view"><h1>CameraForm</h1><p class="muted">Coming.</p></section>;
}
