// Runs: the list, one run's detail (per-provider results, the changes it made), and rolling a run
// back after a preview of what it restores; a conflict with later runs offers Force.
import { api, query, refusalText } from './api.js';
import { append, clear, h, inOut, message, table, when } from './dom.js';
import { modelHref } from './held.js';
import { runCounts } from './overview.js';

function conflictList(body) {
  if (!body.conflicts) return null;
  return h(
    'ul',
    {},
    body.conflicts.map((conflict) =>
      h(
        'li',
        {},
        `${conflict.provider}/${conflict.model_id}: changed later by run(s) ${(conflict.run_ids ?? []).join(', ')}`,
      ),
    ),
    body.conflict_count > body.conflicts.length ? h('li', {}, `… ${body.conflict_count} in all`) : null,
  );
}

/** The confirmation of a rollback: its preview, Force, Confirm rollback. */
export function rollbackPanel(panel, runId, onDone) {
  const force = h('input', { type: 'checkbox', id: `force-${runId}` });
  const preview = h('div', { 'aria-live': 'polite' });
  const result = h('div', { 'aria-live': 'polite' });

  async function showPreview() {
    clear(preview);
    clear(result);
    const answer = await api('/admin/pricing/runs', {
      method: 'POST',
      body: { action: 'rollback', run_id: runId, dry_run: true, force: force.checked },
    });
    if (answer.status !== 200) {
      append(
        preview,
        message(`Rolling back run ${runId} would be refused: ${refusalText(answer.body)}`),
        conflictList(answer.body),
      );
      return;
    }
    const b = answer.body;
    append(
      preview,
      h(
        'p',
        {},
        `It restores ${b.models_reverted} model(s)${b.forced_over ? `, ${b.forced_over} of them over later runs` : ''}:`,
      ),
      table(
        `What rolling back run ${runId} restores`,
        ['Provider', 'Model', 'Now', 'Restored'],
        b.restores.map((row) => [row.provider, row.model_id, inOut(row.from), inOut(row.to)]),
        { showCaption: false },
      ),
      b.skipped_pinned.length > 0
        ? h(
            'p',
            {},
            `Left at their pin: ${b.skipped_pinned.map((row) => `${row.provider}/${row.model_id}`).join(', ')}`,
          )
        : null,
    );
  }

  async function confirm() {
    clear(result);
    const answer = await api('/admin/pricing/runs', {
      method: 'POST',
      body: { action: 'rollback', run_id: runId, force: force.checked },
    });
    if (answer.status === 200) {
      append(
        clear(panel),
        message(
          `Rolled back run ${runId} as run ${answer.body.run_id}: ${answer.body.models_reverted} model(s) restored.`,
          'ok',
        ),
      );
      await onDone?.();
      return;
    }
    append(
      result,
      message(
        `Not rolled back: ${refusalText(answer.body)}${answer.body.conflicts ? ' Check Force to roll back over them.' : ''}`,
      ),
      conflictList(answer.body),
    );
  }

  force.addEventListener('change', () => void showPreview());
  append(
    clear(panel),
    h(
      'section',
      { class: 'confirm', 'aria-label': `Roll back run ${runId}` },
      h('h2', {}, `Roll back run ${runId}?`),
      preview,
      h(
        'p',
        {},
        force,
        ' ',
        h('label', { for: `force-${runId}` }, 'Force'),
        ' (revert models later runs changed too)',
      ),
      h(
        'p',
        { class: 'actions' },
        h('button', { type: 'button', on: { click: confirm } }, 'Confirm rollback'),
        h('button', { type: 'button', class: 'secondary', on: { click: () => clear(panel) } }, 'Cancel'),
      ),
      result,
    ),
  );
  return showPreview();
}

function rollbackButton(run, panel, onDone) {
  // Pin runs are undone by unpinning, rejections write no price: neither can be rolled back.
  const rollable =
    !run.dry_run && run.status !== 'running' && run.trigger !== 'pin' && run.trigger !== 'reject';
  return rollable
    ? h(
        'button',
        { type: 'button', class: 'secondary', on: { click: () => rollbackPanel(panel, run.id, onDone) } },
        `Roll back run ${run.id}`,
      )
    : '';
}

export async function runsView(root, params) {
  append(root, h('h1', {}, 'Runs'));
  const panel = h('div');
  const list = h('div');
  append(root, panel, list);
  async function load() {
    const answer = await api(`/admin/pricing/runs${query({ limit: 20, before: params.get('before') })}`);
    clear(list);
    if (answer.status !== 200) {
      append(list, message(answer.body.error ?? `runs answered ${answer.status}`));
      return;
    }
    append(
      list,
      table(
        'Runs',
        ['Run', 'Trigger', 'By', 'Status', 'Started', 'Counts', ''],
        answer.body.runs.map((run) => [
          h('a', { href: `#/runs/${run.id}` }, String(run.id)),
          `${run.trigger}${run.dry_run ? ' (dry run)' : ''}${run.rollback_of ? ` of run ${run.rollback_of}` : ''}`,
          run.triggered_by ?? '—',
          run.status,
          when(run.started_at),
          runCounts(run),
          rollbackButton(run, panel, load),
        ]),
      ),
      answer.body.next_before
        ? h('p', {}, h('a', { href: `#/runs?before=${answer.body.next_before}` }, 'Older runs'))
        : null,
    );
  }
  await load();
}

export async function runDetail(root, id) {
  const answer = await api(`/admin/pricing/runs${query({ run_id: id })}`);
  append(root, h('h1', {}, `Run ${id}`), h('p', {}, h('a', { href: '#/runs' }, 'All runs')));
  if (answer.status !== 200) {
    append(root, message(answer.body.error ?? `run answered ${answer.status}`));
    return;
  }
  const { run, changes, change_count: changeCount } = answer.body;
  const panel = h('div');
  append(
    root,
    h(
      'dl',
      { class: 'facts' },
      [
        ['Trigger', `${run.trigger}${run.dry_run ? ' (dry run)' : ''}`],
        ['By', run.triggered_by ?? '—'],
        ['Status', run.status],
        ['Started', when(run.started_at)],
        ['Finished', when(run.finished_at)],
        ['Rollback of', run.rollback_of ? String(run.rollback_of) : '—'],
        ['Error', run.error ?? '—'],
      ].map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
    ),
    h(
      'p',
      {},
      rollbackButton(run, panel, () => runDetail(clear(root), id)),
    ),
    panel,
    h('h2', {}, 'Per provider'),
    table(
      'Per provider',
      ['Provider', 'Applied', 'Counts', 'Error'],
      Object.entries(run.results?.providers ?? {}).map(([provider, result]) => [
        provider,
        result?.applied === undefined ? '—' : String(result.applied),
        Object.entries(result?.counts ?? {})
          .map(([name, value]) => `${name} ${value}`)
          .join(', ') || (result?.reverted ? `reverted ${result.reverted}` : '—'),
        result?.error ? `${result.error.reason ?? ''} ${result.error.message ?? ''}` : '',
      ]),
    ),
    h('h2', {}, `Changes (${changeCount})`),
    table(
      'Changes',
      ['Provider', 'Model', 'Kind', 'Before', 'After'],
      changes.map((change) => [
        change.provider,
        h('a', { href: modelHref(change) }, change.model_id),
        change.kind,
        inOut(change.old),
        inOut(change.new),
      ]),
      { empty: 'This run changed no price.' },
    ),
  );
}
