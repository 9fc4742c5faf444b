import { render } from 'preact';
import { App } from './app.tsx';

const container = document.getElementById('app')!;
// The static "Loading…" line is there until the script runs; the app replaces it.
container.textContent = '';
render(<App />, container);
