/** Experiments: being built — see docs/console.md for what this page will show. */
import type { PageProps } from '../app.js';
import { Page } from '../ui.js';

export default function ExperimentsPage(_: PageProps) {
  return (
    <Page title="Experiments">
      <p class="muted">This page is not built yet.</p>
    </Page>
  );
}
