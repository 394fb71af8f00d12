import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The docs are checked as a reader would follow them: every relative link opens a file, every
// #anchor lands on a heading (GitHub's rules), every alert's runbook exists, and every env var
// the code reads is in README's configuration table. No network: external links are not followed.

const ROOT = resolve(import.meta.dirname, '../..');
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

function read(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** The text outside fenced code blocks, line by line (a `#` inside a code block is no heading). */
function proseLines(markdown: string): string[] {
  const lines: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    else if (!fenced) lines.push(line);
  }
  return lines;
}

/** GitHub's heading anchors: lowercase, punctuation dropped, each space a hyphen, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/** Relative link targets in the prose (inline code spans are not links). */
function links(markdown: string): string[] {
  const targets: string[] = [];
  for (const line of proseLines(markdown)) {
    const prose = line.replace(/`[^`]*`/g, '');
    for (const match of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1]!;
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) targets.push(target);
    }
  }
  return targets;
}

/** Where a link from `from` (a repo-relative file) goes wrong, or null when it resolves. */
function brokenLink(from: string, target: string): string | null {
  const [path, anchor] = target.split('#', 2) as [string, string | undefined];
  const file = path === '' ? from : relative(ROOT, resolve(ROOT, dirname(from), path));
  if (!existsSync(join(ROOT, file))) return `${from}: ${target}: no file ${file}`;
  if (anchor === undefined) return null;
  if (!file.endsWith('.md')) return `${from}: ${target}: an anchor into a file that is not Markdown`;
  return anchors(read(file)).has(anchor) ? null : `${from}: ${target}: no heading #${anchor} in ${file}`;
}

describe('docs links', () => {
  it('every relative link and anchor in README.md and docs/ resolves', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const doc of DOCS) {
      for (const target of links(read(doc))) {
        checked += 1;
        const problem = brokenLink(doc, target);
        if (problem) broken.push(problem);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });

  it("every alert's runbook_url, and every one its promtool test expects, is a heading that exists", () => {
    const runbooks = (file: string) =>
      [...read(file).matchAll(/runbook_url:\s*'([^']+)'/g)].map((match) => match[1]!);
    const rules = runbooks('monitoring/prometheus-rules.yml');
    const expected = runbooks('monitoring/prometheus-rules.test.yml');
    expect(rules.length).toBeGreaterThanOrEqual(6);
    expect(rules.map((url) => brokenLink('README.md', url)).filter(Boolean)).toEqual([]);
    expect(expected.filter((url) => !rules.includes(url))).toEqual([]);
  });
});

describe('configuration table', () => {
  /** Every env var name the code reads: `env.X`, `env['X']`, or a reader called as `(env, 'X'`. */
  function envVarsRead(): Set<string> {
    const names = new Set<string>();
    const files = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? files(join(dir, entry.name))
          : entry.name.endsWith('.ts')
            ? [join(dir, entry.name)]
            : [],
      );
    for (const file of ['lib', 'api', 'scripts']
      .filter((dir) => existsSync(join(ROOT, dir)))
      .flatMap(files)) {
      const source = read(file);
      for (const match of source.matchAll(/\benv(?:\.|\[['"]|,\s*')([A-Z][A-Z0-9_]+)/g)) names.add(match[1]!);
    }
    return names;
  }

  it("lists every env var the code reads in README's configuration table", () => {
    const readme = read('README.md');
    const section = /^## Configuration\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
    const tableRows = section.split('\n').filter((line) => line.startsWith('|'));
    const documented = new Set(
      tableRows.flatMap((row) => [...row.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!)),
    );
    const read_ = envVarsRead();
    expect(read_.size).toBeGreaterThan(30);
    expect([...read_].filter((name) => !documented.has(name)).sort()).toEqual([]);
  });
});
