// Placeholder until this view is written.
export function StreamsView() {
  return <section class="view"><h1>StreamsView</h1><p class="muted">Coming.</p></section>;
}
