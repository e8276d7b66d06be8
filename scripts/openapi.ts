/**
 * The server's OpenAPI document, generated from its route contracts, written where it is needed:
 *
 * - `tsx scripts/openapi.ts json FILE`: the document of every route the server can mount.
 * - `tsx scripts/openapi.ts types FILE`: TypeScript types for it with openapi-typescript (`npm run openapi:types`
 *   writes tests/server/generated/openapi.ts, which the generated-client test checks is current).
 * - `tsx scripts/openapi.ts page DIR`: a static reference page (swagger-ui-dist's bundle, copied next to it, and the
 *   document inline): no CDN, nothing fetched at run time. `npm run docs` writes it to docs/api/openapi/.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { type OpenApiDocument, openApiDocument } from '../src/server/openapi.js';
import { adminRoutes } from '../src/server/routes/admin.js';
import { encodeRoutes } from '../src/server/routes/encode.js';
import { federatedRoutes } from '../src/server/routes/federated.js';
import { ollamaRoutes } from '../src/server/routes/ollama.js';
import { openaiRoutes } from '../src/server/routes/openai.js';
import { opsRoutes } from '../src/server/routes/ops.js';
import { teiRoutes } from '../src/server/routes/tei.js';

/** The document of every route a server can mount (a key store and a federated coordinator included). */
export function fullDocument(): OpenApiDocument {
  return openApiDocument([...openaiRoutes, ...teiRoutes, ...ollamaRoutes, ...encodeRoutes, ...opsRoutes, ...adminRoutes, ...federatedRoutes]);
}

const TYPES_HEADER = '// Generated from the server\'s OpenAPI document by openapi-typescript (`npm run openapi:types`). Do not edit.\n';

/** TypeScript types of the document, as `npm run openapi:types` writes them. */
export async function documentTypes(doc: OpenApiDocument = fullDocument()): Promise<string> {
  return TYPES_HEADER + astToString(await openapiTS(structuredClone(doc) as never));
}

/** Writes the static reference page and its assets into `dir`. */
export function writePage(dir: string, doc: OpenApiDocument = fullDocument()): void {
  mkdirSync(dir, { recursive: true });
  const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  for (const f of ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js']) copyFileSync(join(dist, f), join(dir, f));
  writeFileSync(join(dir, 'openapi.json'), `${JSON.stringify(doc, null, 2)}\n`);
  // The document is inlined (a page opened from disk cannot fetch a file next to it); `<` is escaped so no string in
  // it can close the script element.
  const inline = JSON.stringify(doc).replace(/</g, '\\u003c');
  writeFileSync(join(dir, 'index.html'), `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>abi-sdk server: HTTP API (OpenAPI ${doc.info.version})</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="swagger-ui.css">
</head>
<body>
<div id="api"></div>
<script src="swagger-ui-bundle.js"></script>
<script src="swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle({
  spec: ${inline},
  dom_id: '#api',
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: false,
  supportedSubmitMethods: [],
  presets: [SwaggerUIBundle.presets.apis],
});
</script>
</body>
</html>
`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [what, out] = process.argv.slice(2);
  if (what === 'json' && out) writeFileSync(out, `${JSON.stringify(fullDocument(), null, 2)}\n`);
  else if (what === 'types' && out) writeFileSync(out, await documentTypes());
  else if (what === 'page' && out) writePage(out);
  else {
    console.error('usage: tsx scripts/openapi.ts json FILE | types FILE | page DIR');
    process.exit(2);
  }
  console.error(`openapi: wrote ${out}`);
}
