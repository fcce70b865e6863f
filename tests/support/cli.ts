// The CLI in a process of its own, as an operator runs it (`node --import tsx src/cli.ts …`).
import path from 'node:path';
import { spawn } from 'node:child_process';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Runs the CLI with `args`; resolves with its exit code, its output (stdout and stderr) and its pid. */
export function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; pid: number }> {
  // vitest puts vite's BASE_URL ('/') into process.env: not the application's
  const { BASE_URL: _viteBase, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: ROOT, env: { ...inherited, NODE_ENV: 'test', LOG_LEVEL: 'silent', DEMO: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('error', reject);
    proc.once('close', (code) => resolve({ code, out, pid: proc.pid! }));
  });
}
