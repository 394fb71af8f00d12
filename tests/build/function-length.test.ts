import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** Most lines a function of lib/ may span, from its first line to its closing brace. */
const MAX_LINES = 80;

interface LongFunction {
  where: string;
  name: string;
  lines: number;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

function nameOf(node: ts.FunctionLikeDeclaration, source: ts.SourceFile): string {
  if (node.name) return node.name.getText(source);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
    return parent.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  return '(anonymous)';
}

/** Every function, method, accessor and arrow function of a file that spans more than MAX_LINES lines. */
function longFunctions(file: string, text = readFileSync(file, 'utf8')): LongFunction[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const declaration = node as ts.FunctionLikeDeclaration;
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > MAX_LINES) {
        found.push({
          where: `${relative('.', file)}:${first + 1}`,
          name: nameOf(declaration, source),
          lines,
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const all = sourceFiles('lib').flatMap((file) => longFunctions(file));

describe('function length', () => {
  it(`keeps every function of lib/ within ${MAX_LINES} lines`, () => {
    expect(all.map((found) => `${found.where} ${found.name} (${found.lines} lines)`)).toEqual([]);
  });

  it('finds functions, methods and arrow functions over the limit, and only those', () => {
    const statements = (count: number) =>
      Array.from({ length: count }, (_, index) => `    const a${index} = ${index};`).join('\n');
    const probe = [
      `export function long(): void {\n${statements(MAX_LINES - 1)}\n}`,
      `export function fits(): void {\n${statements(MAX_LINES - 2)}\n}`,
      `class Store {\n  read(): void {\n${statements(MAX_LINES)}\n  }\n}`,
      `export const arrow = () => {\n${statements(MAX_LINES)}\n};`,
    ].join('\n');
    expect(longFunctions('probe.ts', probe).map(({ name, lines }) => [name, lines])).toEqual([
      ['long', MAX_LINES + 1],
      ['read', MAX_LINES + 2],
      ['arrow', MAX_LINES + 2],
    ]);
  });
});
