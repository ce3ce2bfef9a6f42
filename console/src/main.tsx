import { render } from 'preact';

render(<main>Feltfit</main>, document.getElementById('app')!);
