// API reports: one api-extractor report per package entry point, from the built .d.ts (dist/), checked in under etc/.
// `npm run api:check` fails when the public API differs from etc/<entry>.api.md; `npm run api:update` rewrites them.
// Run `npm run build` first.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = fileURLToPath(new URL('..', import.meta.url));
const update = process.argv.includes('--update');

// Report name -> the entry's ESM declaration file (package.json "exports" -> import -> types).
const ENTRIES = {
  'abi-sdk': 'dist/index.d.ts',
  langchain: 'dist/langchain.d.ts',
  llamaindex: 'dist/llamaindex.d.ts',
  qdrant: 'dist/qdrant.d.ts',
  pgvector: 'dist/pgvector.d.ts',
  federated: 'dist/federated.d.ts',
  server: 'dist/server.d.ts',
};

const base = ExtractorConfig.loadFile(`${root}api-extractor.json`);
const failed = [];
for (const [name, dts] of Object.entries(ENTRIES)) {
  if (!existsSync(`${root}${dts}`)) {
    console.error(`api-report: ${dts} is missing; run \`npm run build\` first`);
    process.exit(2);
  }
  const config = ExtractorConfig.prepare({
    configObject: {
      ...base,
      mainEntryPointFilePath: `<projectFolder>/${dts}`,
      apiReport: { ...base.apiReport, reportFileName: name },
    },
    configObjectFullPath: `${root}api-extractor.json`,
    packageJsonFullPath: `${root}package.json`,
  });
  const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false });
  const problems = [];
  if (result.errorCount > 0) problems.push(`${result.errorCount} error(s)`);
  // In update mode the one warning expected is api-extractor's own "the API signature changed": the point of updating.
  if (!update && result.warningCount > 0) problems.push(`${result.warningCount} warning(s)`);
  if (!update && result.apiReportChanged) problems.push(`the API differs from etc/${name}.api.md (review, then \`npm run api:update\`)`);
  if (problems.length > 0) failed.push(`${name}: ${problems.join('; ')}`);
  else console.log(`api-report: ${name} ${update && result.apiReportChanged ? 'updated' : 'unchanged'}`);
}
if (failed.length > 0) {
  console.error(`api-report: ${failed.join('\n  ')}`);
  process.exit(1);
}
