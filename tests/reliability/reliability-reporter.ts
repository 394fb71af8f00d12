import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import type { ScenarioRecord } from './support/scenario.js';

interface Row extends ScenarioRecord {
  scenario: string;
  state: string;
  error: string | null;
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** RELIABILITY.md from the suite's own results: each scenario, what was expected, what happened. */
export function renderReliability(rows: readonly Row[]): string {
  const lines = [
    '# Reliability and security',
    '',
    'Recorded by `npm run test:reliability:record` (`tests/reliability/`; `.ci/run` runs the suite',
    "after `npm test` and writes the ignored RELIABILITY.local.md instead) from the suite's own",
    'results; do not edit by hand. Everything runs over real HTTP on 127.0.0.1',
    "against the local runner (the functions under `api/` with `vercel.json`'s rewrites), a real",
    'embedded Postgres and the replay server standing in for the providers.',
    '',
    `Passed: ${rows.filter((row) => row.state === 'passed').length} of ${rows.length}.`,
  ];
  const areas = [...new Set(rows.map((row) => row.area))];
  for (const area of areas) {
    lines.push('', `## ${area}`, '', '| Scenario | Expected | What happened | Result |', '|---|---|---|---|');
    for (const row of rows.filter((candidate) => candidate.area === area)) {
      const happened = [...row.observed, ...(row.error ? [`failed: ${row.error}`] : [])].join('; ');
      const result = row.state === 'passed' ? 'pass' : row.state.toUpperCase();
      lines.push(`| ${cell(row.scenario)} | ${cell(row.expected)} | ${cell(happened)} | ${result} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Where the report goes: the committed RELIABILITY.md only when recording for a release
 * (`npm run test:reliability:record`, which sets RELIABILITY_RECORD=1); otherwise
 * RELIABILITY.local.md, ignored by git, so that an ordinary run leaves no churn behind.
 */
export function reliabilityReportFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.RELIABILITY_RECORD === '1' ? 'RELIABILITY.md' : 'RELIABILITY.local.md';
}

/**
 * Writes the report at the end of a complete run. A filtered run (a file left out, or some
 * scenario skipped or not recorded) writes nothing, so a report always lists every scenario.
 */
export default class ReliabilityReporter implements Reporter {
  async onTestRunEnd(testModules: ReadonlyArray<TestModule>): Promise<void> {
    const file = reliabilityReportFile();
    const rows: Row[] = [];
    const files = (await readdir(join(process.cwd(), 'tests/reliability'))).filter((name) =>
      name.endsWith('.reliability.ts'),
    );
    // The `*.scale.ts` files run in this tier too, but are not scenarios of the report.
    const scenarios = testModules.filter((module) => module.moduleId.endsWith('.reliability.ts'));
    let complete = scenarios.length === files.length;
    const ordered = [...scenarios].sort((a, b) => a.moduleId.localeCompare(b.moduleId));
    for (const module of ordered) {
      for (const testCase of module.children.allTests()) {
        const record = testCase.meta().reliability;
        const result = testCase.result();
        if (!record || result.state === 'skipped' || result.state === 'pending') {
          complete = false;
          continue;
        }
        rows.push({
          ...record,
          scenario: testCase.name,
          state: result.state,
          error: result.errors?.[0]?.message?.split('\n')[0]?.slice(0, 300) ?? null,
        });
      }
    }
    if (!complete) {
      process.stderr.write(`${file} left as it is: not every scenario ran in this run.\n`);
      return;
    }
    await writeFile(join(process.cwd(), file), renderReliability(rows));
    process.stderr.write(`${file} written: ${rows.length} scenarios.\n`);
  }
}
