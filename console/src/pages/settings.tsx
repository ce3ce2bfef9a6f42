/** Settings: being built — see docs/console.md for what this page will show. */
import type { PageProps } from '../app.js';
import { Page } from '../ui.js';

export default function SettingsPage(_: PageProps) {
  return (
    <Page title="Settings">
      <p class="muted">This page is not built yet.</p>
    </Page>
  );
}
