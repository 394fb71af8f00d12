import { spawn, spawnSync } from 'node:child_process';

export const INSTALL_HINT =
  "install Debian's prometheus package, which provides both: sudo apt-get install -y prometheus";

/** Throws a message that says what to install when `prometheus` or `promtool` is not on PATH. */
export function requirePrometheusTools(): void {
  for (const tool of ['promtool', 'prometheus']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
    if (found.status !== 0) throw new Error(`the Prometheus tier needs \`${tool}\` on PATH: ${INSTALL_HINT}`);
  }
}

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs promtool with a time limit, optionally feeding stdin. */
export function promtool(
  args: string[],
  options: { stdin?: string; cwd?: string } = {},
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args, { cwd: options.cwd, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}
