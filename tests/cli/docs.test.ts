// docs/cli.md and the README against the commander definitions: the command table and the flag tables in docs/cli.md
// are what scripts/cli-docs.ts generates from the command tree (run `npm run docs:cli` after changing a command), and
// every command has its own section there and is named in the README's list.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_DOC, cliProgram, renderCliDoc, renderCommandTable, renderFlagTables } from '../../scripts/cli-docs.js';

const doc = readFileSync(CLI_DOC, 'utf8');
const program = cliProgram();
const names = program.commands.map((c) => c.name());

describe('docs/cli.md', () => {
  it('has the generated command and flag tables of the current commands (npm run docs:cli rewrites them)', () => {
    expect(renderCliDoc(doc, program)).toBe(doc);
  });

  it('lists every command and every flag of every subcommand', () => {
    expect(names).toEqual(expect.arrayContaining(['bench', 'completion', 'federated', 'index', 'keys', 'models', 'query', 'serve', 'train']));
    const table = renderCommandTable(program);
    for (const name of names) expect(table).toContain(`| \`${name}`);
    const flags = renderFlagTables(program);
    const leaves = (c: typeof program): (typeof program)[] => (c.commands.length ? c.commands.flatMap(leaves) : [c]);
    for (const leaf of program.commands.flatMap(leaves)) {
      for (const o of leaf.options) if (o.long !== '--config' && o.long !== '--help') expect(flags).toContain(`\`${o.flags}\``);
    }
  });

  it('has a section per command', () => {
    const headings = [...doc.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    for (const name of names) expect(headings.some((h) => h.split(/,\s*/).includes(name)), `## ${name}`).toBe(true);
  });

  it('notices a flag the commands do not have', () => {
    expect(() => renderCliDoc('no regions here', program)).toThrow(/region is missing/);
    const drifted = doc.replace('| `--chunk-size <n>` |', '| `--chunk-length <n>` |');
    expect(drifted).not.toBe(doc);
    expect(renderCliDoc(drifted, program)).not.toBe(drifted);
  });
});

describe('README.md', () => {
  it('names every command in its command-line list', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const line = readme.split('\n').findIndex((l) => l.startsWith('- [Command line](docs/cli.md)'));
    const entry = readme.split('\n').slice(line, line + 2).join(' ');
    for (const name of names) expect(entry).toContain(`\`${name}\``);
  });
});
