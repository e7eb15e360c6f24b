// Placeholder until this view is written.
export function MultiView() {
  return <section class="view"><h1>MultiView</h1><p class="muted">Coming.</p></section>;
}
