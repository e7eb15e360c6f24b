// Placeholder until this view is written.
export function RecordingsView() {
  return <section class="view"><h1>RecordingsView</h1><p class="muted">Coming.</p></section>;
}
