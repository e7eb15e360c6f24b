// Placeholder until this view is written.
export function LiveView() {
  return <section class="view"><h1>LiveView</h1><p class="muted">Coming.</p></section>;
}
