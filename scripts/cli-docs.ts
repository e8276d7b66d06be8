// docs/cli.md's command table and flag tables, generated from the commander definitions (src/cli/commands/): the
// text between `<!-- cli:commands -->` and `<!-- /cli:commands -->`, and between `<!-- cli:flags -->` and
// `<!-- /cli:flags -->`, is what renderCommandTable / renderFlagTables return. `npm run docs:cli` rewrites those
// regions; tests/cli/docs.test.ts fails when the file and the commands disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Argument, Command } from 'commander';
import { buildProgram } from '../src/cli/main.js';

/** The path of docs/cli.md. */
export const CLI_DOC = fileURLToPath(new URL('../docs/cli.md', import.meta.url));

/** The command tree, built as `abi-sdk` builds it, with its output discarded. */
export function cliProgram(): Command {
  return buildProgram({ stdout: () => {}, stderr: () => {} });
}

// Markdown table cells: a pipe would end the cell.
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
const argText = (a: Argument): string => {
  const name = `${a.name()}${a.variadic ? '...' : ''}`;
  return a.required ? `<${name}>` : `[${name}]`;
};
/** `index <paths...>`, `keys create`, ... */
const usage = (path: string, c: Command): string => [path, ...c.registeredArguments.map(argText)].join(' ');
const leaves = (path: string, c: Command): [string, Command][] =>
  c.commands.length ? c.commands.flatMap((s) => leaves(`${path} ${s.name()}`, s)) : [[path, c]];

/**
 * The table of commands: one row per top-level command (its subcommands joined with `|`) and its description.
 *
 * @param program - the root command
 * @returns Markdown
 */
export function renderCommandTable(program: Command): string {
  const rows = program.commands.map((c) => {
    const subs = c.commands.map((s) => s.name());
    const name = subs.length ? `${c.name()} ${subs.join('|')}` : usage(c.name(), c);
    return `| \`${cell(name)}\` | ${cell(c.description())} |`;
  });
  return ['| command | what it does |', '|---|---|', ...rows].join('\n');
}

/**
 * One flag table per runnable command (subcommands included). `--config` (every command) and `--help` are left out.
 *
 * @param program - the root command
 * @returns Markdown
 */
export function renderFlagTables(program: Command): string {
  const parts: string[] = [];
  for (const c of program.commands) {
    for (const [path, leaf] of leaves(c.name(), c)) {
      const options = leaf.options.filter((o) => o.long !== '--config' && o.long !== '--help');
      parts.push(`### \`abi-sdk ${cell(usage(path, leaf))}\``, '', cell(leaf.description()), '');
      if (options.length === 0) {
        parts.push('No flags.', '');
        continue;
      }
      parts.push('| flag | what it sets |', '|---|---|');
      for (const o of options) {
        const def = o.defaultValue === undefined || o.negate ? '' : ` (default: ${JSON.stringify(o.defaultValue)})`;
        parts.push(`| \`${cell(o.flags)}\` | ${cell(o.description)}${cell(def)} |`);
      }
      parts.push('');
    }
  }
  return parts.join('\n').trimEnd();
}

function replaceRegion(text: string, name: string, body: string): string {
  const open = `<!-- cli:${name} -->`;
  const close = `<!-- /cli:${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`docs/cli.md: the ${open} ... ${close} region is missing`);
  return `${text.slice(0, start + open.length)}\n${body}\n${text.slice(end)}`;
}

/**
 * docs/cli.md's text with its generated regions rewritten from `program`.
 *
 * @param text - the current file
 * @param program - the root command
 * @returns the file as it should be
 */
export function renderCliDoc(text: string, program: Command = cliProgram()): string {
  return replaceRegion(replaceRegion(text, 'commands', renderCommandTable(program)), 'flags', renderFlagTables(program));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const before = readFileSync(CLI_DOC, 'utf8');
  const after = renderCliDoc(before);
  if (after !== before) writeFileSync(CLI_DOC, after);
  console.log(`docs:cli: docs/cli.md ${after === before ? 'unchanged' : 'updated'}`);
}
