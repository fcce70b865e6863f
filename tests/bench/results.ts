// Each part of `npm run bench` leaves its figures in tests/bench/results/<part>.json (git-ignored);
// report.ts reads them all and prints the one table with the targets, and keeps a dated copy.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'results');

export function writeResult(part: string, data: unknown): void {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, `${part}.json`), `${JSON.stringify({ part, at: new Date().toISOString(), ...(data as object) }, null, 2)}\n`);
}

export function readResult<T>(part: string): (T & { at: string }) | null {
  const f = path.join(RESULTS_DIR, `${part}.json`);
  return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as T & { at: string }) : null;
}

/** `tsx tests/bench/results.ts clear`: a bench run starts without the parts of an earlier one. */
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv[2] === 'clear') {
  if (fs.existsSync(RESULTS_DIR)) for (const f of fs.readdirSync(RESULTS_DIR)) if (f.endsWith('.json') && !f.startsWith('bench-')) fs.rmSync(path.join(RESULTS_DIR, f));
}
