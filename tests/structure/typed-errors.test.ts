// Every error that reaches a caller is an AbiError with a code (docs/overview.md says so). This test reads every
// TypeScript file under src/ and integrations/ (TypeScript AST, as layers.test.ts reads imports) and fails on a
// `throw new X(...)` whose X is not AbiError or one of its subclasses, and on a `throw` of something that is not an
// error at all (a string, a number, an object or array literal). Rethrowing a caught value (`throw err`) or the result
// of a factory (`throw bad(...)`) is not judged here: the factories are typed, and what they return is checked by
// their own tests. The few internal throws that never reach a caller are listed below, each with its reason.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'generated' ? [] : sources(path);
    return /\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * Throws of a plain Error that are caught in the same function and rethrown as a typed error: file → the thrown
 * message's start → why it never escapes. Matched by text, not line number, so edits around them do not break this.
 */
const JUSTIFIED: readonly { file: string; text: string; why: string }[] = [
  { file: 'src/server/auth/keys.ts', text: 'unexpected structure', why: 'caught by the enclosing try in the key-file reader and rethrown as CorruptDataError' },
  { file: 'src/training/federated/checkpoint.ts', text: 'not a federated checkpoint', why: 'caught by the enclosing try in readCheckpoint and rethrown as CorruptDataError' },
  { file: 'src/training/federated/checkpoint.ts', text: 'checkpoint format', why: 'as above (readCheckpoint wraps it as CorruptDataError)' },
  { file: 'src/training/federated/checkpoint.ts', text: 'checkpoint values are not float32', why: 'as above' },
  { file: 'src/training/federated/checkpoint.ts', text: 'layout has', why: 'as above' },
  { file: 'src/engine/model-folder.ts', text: 'not a JSON object or array', why: 'caught by the enclosing try in the JSON reader and rethrown as ModelLoadError' },
  { file: 'src/hub/client.ts', text: 'not http(s)', why: 'caught by the enclosing try that parses the endpoint URL and rethrown as ValidationError' },
];

interface Found {
  file: string;
  line: number;
  text: string;
  /** Whether it sits in a `try` block whose `catch` throws a new AbiError (so it is rethrown typed). */
  wrapped: boolean;
}

interface Unit {
  file: string;
  text: string;
}

/** Class names declared in the sources, with the name of the class each extends. */
function classParents(units: readonly Unit[]): Map<string, string> {
  const parents = new Map<string, string>();
  for (const { file, text } of units) {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if ((ts.isClassDeclaration(node) || ts.isClassExpression(node)) && node.name) {
        const ext = node.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
        if (ext) parents.set(node.name.text, ext.getText(sf));
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return parents;
}

function isAbiClass(name: string, parents: ReadonlyMap<string, string>): boolean {
  const seen = new Set<string>();
  for (let n: string | undefined = name; n !== undefined && !seen.has(n); n = parents.get(n)) {
    if (n === 'AbiError') return true;
    seen.add(n);
  }
  return false;
}

/** Whether `node` is inside a `try` block (same function) whose `catch` clause throws `new <AbiError subclass>`. */
function wrappedTyped(node: ts.Node, sf: ts.SourceFile, parents: ReadonlyMap<string, string>): boolean {
  for (let n: ts.Node = node; n.parent && !ts.isFunctionLike(n); n = n.parent) {
    const p = n.parent;
    if (ts.isTryStatement(p) && p.tryBlock === n && p.catchClause) {
      let typed = false;
      const look = (c: ts.Node): void => {
        if (ts.isThrowStatement(c) && c.expression && ts.isNewExpression(c.expression) && isAbiClass(c.expression.expression.getText(sf), parents)) typed = true;
        if (!ts.isFunctionLike(c)) ts.forEachChild(c, look);
      };
      look(p.catchClause.block);
      return typed;
    }
  }
  return false;
}

/** Throws that can reach a caller untyped: `throw new NonAbi(...)` and throws of non-error values. */
function untypedThrows(units: readonly Unit[]): Found[] {
  const parents = classParents(units);
  const found: Found[] = [];
  for (const { file, text } of units) {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isThrowStatement(node) && node.expression) {
        let e: ts.Expression = node.expression;
        while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e)) e = e.expression;
        const bad = ts.isNewExpression(e)
          ? !isAbiClass(e.expression.getText(sf), parents)
          : ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isTemplateExpression(e) || ts.isNumericLiteral(e)
            || ts.isObjectLiteralExpression(e) || ts.isArrayLiteralExpression(e) || e.kind === ts.SyntaxKind.NullKeyword
            || e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword;
        if (bad) {
          found.push({
            file, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, text: node.getText(sf),
            wrapped: wrappedTyped(node, sf, parents),
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return found;
}

const justified = (f: Found): boolean => JUSTIFIED.some((j) => j.file === f.file && f.text.includes(j.text));

describe('typed errors', () => {
  const files = [...sources('src'), ...sources('integrations')].map((file) => ({ file, text: readFileSync(join(ROOT, file), 'utf8') }));

  it('flags untyped throws and passes typed ones (the scanner on a probe file)', () => {
    const text = [
      'class E2 extends AbiError {}', 'class X extends E2 {}',
      'function f(err: unknown) {',
      '  throw new X("typed, two levels down");', 'throw new RangeError("untyped");', 'throw "a string";',
      '  throw { code: 1 };', '  throw (new TypeError("in parentheses"));', '  throw err;', '  throw bad("factory");', '}',
    ].join('\n');
    const found = untypedThrows([{ file: 'probe.ts', text }]).map((f) => f.line);
    expect(found).toEqual([5, 6, 7, 8]);
    const wrapped = 'class T extends AbiError {}\ntry { throw new Error("x"); } catch (e) { throw new T("y"); }\ntry { throw new Error("z"); } catch { }';
    expect(untypedThrows([{ file: 'w.ts', text: wrapped }]).map((f) => f.wrapped)).toEqual([true, false]);
  });

  it('no throw under src/ or integrations/ escapes as a non-AbiError', () => {
    const offenders = untypedThrows(files).filter((f) => !justified(f)).map((f) => `${f.file}:${f.line}: ${f.text}`);
    expect(offenders).toEqual([]);
  });

  it('every justified exception still exists and is caught and rethrown typed where it is thrown', () => {
    const all = untypedThrows(files);
    const stale = JUSTIFIED.filter((j) => !all.some((f) => f.file === j.file && f.text.includes(j.text) && f.wrapped));
    expect(stale.map((j) => `${j.file}: ${j.text}`)).toEqual([]);
  });
});
