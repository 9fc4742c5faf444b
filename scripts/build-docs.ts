/** `npm run build:docs`: writes the API reference (Swagger UI over docs/openapi.json) into dist/docs/. */
import { buildDocsSite, docsSiteDir } from '../infra/local/docs-site.ts';

const files = buildDocsSite();
process.stdout.write(`wrote ${files.length} files to ${docsSiteDir} (served at /docs by npm start)\n`);
