import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The human-readable API reference: Swagger UI (from the swagger-ui-dist npm package, nothing
 * from a CDN) over docs/openapi.json, written as static files into dist/docs/. No inline script
 * or style element: the page works under a strict Content-Security-Policy (the local server
 * serves it at /docs with one; see docsContentSecurityPolicy).
 */
const repoRoot = join(import.meta.dirname, '..', '..');
export const docsSiteDir = join(repoRoot, 'dist', 'docs');

export const docsContentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const swaggerFiles = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'];

const indexHtml = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Peerguard API reference</title>
    <link rel="icon" type="image/png" href="favicon-32x32.png">
    <link rel="stylesheet" href="swagger-ui.css">
  </head>
  <body>
    <div id="reference"></div>
    <script src="swagger-ui-bundle.js"></script>
    <script src="reference.js"></script>
  </body>
</html>
`;

// The document beside the page (so the folder works on its own, e.g. from S3); no validator badge, no outside calls.
const referenceJs = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: 'openapi.json',
    dom_id: '#reference',
    deepLinking: true,
    validatorUrl: null,
    defaultModelsExpandDepth: 0,
    docExpansion: 'list',
  });
});
`;

/** Writes dist/docs/ (index.html, reference.js, openapi.json and Swagger UI's files). */
export function buildDocsSite(outDir = docsSiteDir): string[] {
  mkdirSync(outDir, { recursive: true });
  const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  for (const file of swaggerFiles) copyFileSync(join(swaggerDir, file), join(outDir, file));
  writeFileSync(join(outDir, 'index.html'), indexHtml);
  writeFileSync(join(outDir, 'reference.js'), referenceJs);
  writeFileSync(join(outDir, 'openapi.json'), readFileSync(join(repoRoot, 'docs', 'openapi.json')));
  return ['index.html', 'reference.js', 'openapi.json', ...swaggerFiles];
}

/** Builds dist/docs/ when it is not there yet (npm start). */
export function ensureDocsSite(outDir = docsSiteDir): void {
  if (!existsSync(join(outDir, 'index.html'))) buildDocsSite(outDir);
}
