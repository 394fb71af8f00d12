// Overview: the scheduler, each provider's last success and freshness, the last runs, and what
// waits for an operator (held changes, pins whose provider price drifted).
import { api } from './api.js';
import { age, append, h, message, table, when } from './dom.js';

/** Issue 25's freshness fields when the status answers them; absent ones show as —. */
function freshness(sync) {
  const lastSuccess = sync?.last_success_at ?? sync?.timestamp ?? null;
  const stale = typeof sync?.stale === 'boolean' ? (sync.stale ? 'stale' : 'fresh') : '—';
  return { lastSuccess, stale, reason: typeof sync?.stale_reason === 'string' ? sync.stale_reason : '' };
}

export function runCounts(run) {
  const providers = run.results?.providers ?? {};
  const totals = {};
  for (const result of Object.values(providers)) {
    for (const [name, value] of Object.entries(result?.counts ?? {})) {
      if (typeof value === 'number') totals[name] = (totals[name] ?? 0) + value;
    }
  }
  const shown = Object.entries(totals).filter(([, value]) => value > 0);
  return shown.length === 0 ? '—' : shown.map(([name, value]) => `${name} ${value}`).join(', ');
}

export async function overview(root) {
  const [status, runs, pins] = await Promise.all([
    api('/admin/pricing/scheduler/status'),
    api('/admin/pricing/runs?limit=5'),
    api('/admin/pricing/pins'),
  ]);
  const s = status.body;
  append(root, h('h1', {}, 'Overview'));
  if (status.status !== 200) append(root, message(s.error ?? `status answered ${status.status}`));
  const heldTotal = Object.values(s.held_changes ?? {}).reduce((sum, count) => sum + Number(count || 0), 0);
  const drift = (pins.body.pins ?? []).filter((pin) => pin.drift !== null).length;
  append(
    root,
    h(
      'ul',
      { class: 'cards' },
      h(
        'li',
        {},
        h('a', { href: '#/held' }, `${heldTotal} held change${heldTotal === 1 ? '' : 's'}`),
        ' waiting',
      ),
      h(
        'li',
        {},
        h('a', { href: '#/pins' }, `${drift} pin${drift === 1 ? '' : 's'} drifted`),
        ` of ${(pins.body.pins ?? []).length}`,
      ),
      h(
        'li',
        {},
        `Scheduler ${s.scheduler?.running ? 'armed' : 'not armed'}`,
        s.scheduler ? `, every ${s.scheduler.interval_hours} h` : '',
        s.next_run_at ? `, next ${when(s.next_run_at)}` : '',
      ),
      s.in_progress
        ? h('li', {}, `Run ${s.in_progress.run_id} in progress (${s.in_progress.trigger})`)
        : null,
    ),
  );
  for (const error of s.config_errors ?? [])
    append(root, message(`Configuration: ${typeof error === 'string' ? error : JSON.stringify(error)}`));
  for (const warning of s.warnings ?? []) append(root, message(warning));
  const providers = Object.entries(s.last_syncs ?? {}).map(([provider, sync]) => {
    const fresh = freshness(sync);
    return [
      provider,
      sync?.status ?? '—',
      fresh.lastSuccess ? `${when(fresh.lastSuccess)} (${age(fresh.lastSuccess)} ago)` : 'never',
      fresh.reason ? `${fresh.stale}: ${fresh.reason}` : fresh.stale,
      String(s.held_changes?.[provider] ?? 0),
      sync?.last_error ? `${sync.last_error.reason}: ${sync.last_error.message ?? ''}` : '',
    ];
  });
  append(
    root,
    h('h2', {}, 'Providers'),
    table('Providers', ['Provider', 'Status', 'Last success', 'Freshness', 'Held', 'Last error'], providers),
    h('h2', {}, 'Last runs'),
    table(
      'Last runs',
      ['Run', 'Trigger', 'By', 'Status', 'Started', 'Counts'],
      (runs.body.runs ?? []).map((run) => [
        h('a', { href: `#/runs/${run.id}` }, String(run.id)),
        run.trigger + (run.dry_run ? ' (dry run)' : ''),
        run.triggered_by ?? '—',
        run.status,
        when(run.started_at),
        runCounts(run),
      ]),
    ),
  );
}
