import { readdirSync } from 'node:fs';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The folder boundaries of eslint.config.js, checked by linting probe files that are never
 * written: lib/ never imports api/ or dev/, and lib's folders are layered, so that of any two,
 * at most one may import the other (no folder cycle can form).
 */
let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: process.cwd() });
});

async function importErrors(filePath: string, target: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import { x } from '${target}';\nexport const y = x;\n`, {
    filePath,
  });
  return result!.messages
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message);
}

const libFolders = readdirSync('lib', { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

describe('folder boundaries (ESLint)', () => {
  it.each(libFolders)('refuses an import of api/ or dev/ from lib/%s', async (folder) => {
    expect(await importErrors(`lib/${folder}/probe.ts`, '../../api/metrics.js')).toHaveLength(1);
    expect(await importErrors(`lib/${folder}/probe.ts`, '../../dev/local/local-runner.js')).toHaveLength(1);
  });

  it.each([
    ['lib/db/probe.ts', '../sync/run-sync.js', /lib\/db sits below/],
    ['lib/edge/probe.ts', '../app/app-context.js', /lib\/edge sits below/],
    ['lib/providers/probe.ts', '../config.js', /lib\/providers sits below/],
    ['lib/config.ts', './sync/run-sync.js', /lib\/config sits below/],
  ])('refuses %s importing %s (upwards)', async (filePath, target, message) => {
    expect(await importErrors(filePath, target)).toEqual([expect.stringMatching(message)]);
  });

  it.each([
    ['lib/sync/probe.ts', '../db/pricing-store.js'],
    ['lib/app/probe.ts', '../edge/handle.js'],
    ['lib/sync/probe.ts', '../config.js'],
  ])('lets %s import %s (downwards)', async (filePath, target) => {
    expect(await importErrors(filePath, target)).toEqual([]);
  });

  it('layers every folder of lib/: of any two, one may not import the other', async () => {
    const twoWay: string[] = [];
    for (const [index, a] of libFolders.entries()) {
      for (const b of libFolders.slice(index + 1)) {
        const aToB = await importErrors(`lib/${a}/probe.ts`, `../${b}/x.js`);
        const bToA = await importErrors(`lib/${b}/probe.ts`, `../${a}/x.js`);
        if (aToB.length === 0 && bToA.length === 0) twoWay.push(`${a} <-> ${b}`);
      }
    }
    expect(twoWay, 'add the folder to LIB_LAYERS in eslint.config.js').toEqual([]);
  });
});
