// `weishishi seed --scale N --jobs J` on SQLite as an operator runs it (issue 13): J processes each
// drive their streets in a copy of the prepared file, and the copies are merged back
// (src/demo/city-merge.ts). The city must be the one `--jobs 1` makes, reference for reference,
// and pass `weishishi verify` (history hashes, ledgers, read model, documents with their sha256).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../reliability/child.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** `weishishi <args>` through tsx, on the city's file; resolves with its exit code and output. */
function cli(dir: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: `better-sqlite3:${path.join(dir, 'city.db')}`, DATA_DIR: dir, DEMO: '0', LOG_LEVEL: 'silent', NODE_ENV: 'development', BASE_URL: 'http://127.0.0.1:3000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => proc.on('close', (code) => resolve({ code, out })));
}

/** What a city is, project by project: reference, street, title, stage and money; and its history's size. */
function cityOf(dir: string) {
  const db = new Database(path.join(dir, 'city.db'), { readonly: true });
  try {
    const projects = (db.prepare('select ref, street_id, title, state, approved_fen, awarded_fen, paid_fen from projects order by ref').all() as Array<Record<string, unknown>>)
      .map((r) => Object.values(r).join(' '));
    const history = (db.prepare('select count(*) as n from workflow_history').get() as { n: number }).n;
    const documents = (db.prepare('select count(*) as n from documents').get() as { n: number }).n;
    return { projects, history, documents };
  } finally {
    db.close();
  }
}

describe('seed --scale N --jobs J on SQLite', () => {
  it('when two processes drive the streets in copies of the file, then the merged city is the one one process makes, and it verifies', async () => {
    const one = fs.mkdtempSync(path.join(os.tmpdir(), 'wss-city1-'));
    const two = fs.mkdtempSync(path.join(os.tmpdir(), 'wss-city2-'));
    dirs.push(one, two);
    const projects = '30';
    const [a, b] = await Promise.all([cli(one, ['seed', '--scale', projects, '--jobs', '1']), cli(two, ['seed', '--scale', projects, '--jobs', '2'])]);
    if (a.code !== 0 || b.code !== 0) console.error(a.out, b.out);
    expect(a.code, a.out).toBe(0);
    expect(b.code, b.out).toBe(0);
    expect(b.out).toContain('driving the streets in 2 processes, each in a copy of the database');
    expect(b.out).toMatch(/merged copy 2 of 2/);
    // the copies are gone once merged
    expect(fs.readdirSync(two).filter((f) => f.includes('.job'))).toEqual([]);
    const single = cityOf(one);
    const merged = cityOf(two);
    expect(merged.projects.length).toBeGreaterThan(Number(projects));
    expect(merged).toEqual(single);
    const verified = await cli(two, ['verify']);
    expect(verified.code, verified.out).toBe(0);
    // run again: every street is there, nothing is added
    const again = await cli(two, ['seed', '--scale', projects, '--jobs', '2']);
    expect(again.code, again.out).toBe(0);
    expect(cityOf(two)).toEqual(merged);
  }, 600_000);
});
