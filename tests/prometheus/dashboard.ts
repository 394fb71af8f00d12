import { readFile } from 'node:fs/promises';

export interface Dashboard {
  panels: { title: string; targets: { refId: string; expr: string }[] }[];
}

/** monitoring/grafana-dashboard.json, as the tier reads it: each panel's title and queries. */
export async function readDashboard(): Promise<Dashboard> {
  return JSON.parse(await readFile('monitoring/grafana-dashboard.json', 'utf8')) as Dashboard;
}
