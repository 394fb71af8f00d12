import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Issue 23 item 13: the docs send a reader to the command that does the job, and say what a
// command line needs before the reader finds out from `jq: command not found`.

const ROOT = resolve(import.meta.dirname, '../..');
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** A markdown file's sections: each heading with the text up to the next heading (code included). */
function sections(markdown: string): { heading: string; text: string }[] {
  const result: { heading: string; text: string }[] = [{ heading: '(top)', text: '' }];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (!fenced && /^#{1,6}\s/.test(line)) result.push({ heading: line, text: '' });
    else result.at(-1)!.text += `${line}\n`;
  }
  return result;
}

describe('operator docs', () => {
  it('deploy.md undoes a bad price change with runs rollback', () => {
    const undo = /\*\*Undo a bad price change:\*\*[\s\S]*?(?=\n- \*\*|\n#|$)/.exec(read('docs/deploy.md'));
    expect(undo?.[0]).toMatch(/runs rollback/);
    expect(undo?.[0]).toMatch(/"action": "rollback"/);
  });

  it.each(DOCS)('%s: every section with a command piped into jq says jq is needed', (path) => {
    for (const section of sections(read(path))) {
      if (!/\|\s*jq\b/.test(section.text)) continue;
      expect(section.text, `${path} ${section.heading}`).toMatch(/needs?\s+\[jq\]/);
    }
  });
});
