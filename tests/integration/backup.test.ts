// `weishishi backup` while the application writes, `weishishi restore` into a fresh directory, and
// `verify` on the restored copy (issue 13, item 6). The backup runs as a real CLI process against the
// test app's SQLite file (a file in a temp dir, WAL) while the test process keeps sending events and
// linking uploads; the restored copy must pass every check, hold every document with its sha256, and
// restore must refuse while a live process holds the database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { cli } from '../support/cli.js';
import { api, goodsProject, U } from '../support/lifecycle.js';
import { loadConfig } from '../../src/config.js';
import { createDeps } from '../../src/deps.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { verifyAll } from '../../src/engine/verify.js';
import { auditProjectLedgers } from '../../src/projects/project-audit.js';
import { createBackup, restoreBackup } from '../../src/backup/backup.js';
import { checkLinkedDocuments, sha256File } from '../../src/backup/document-check.js';
import { liveHolders, lockDir, LockHeldError, lockForServing } from '../../src/backup/lock.js';

describe('backup and restore on better-sqlite3', () => {
  const dirs: string[] = [];
  const tmp = (name: string) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `wss-${name}-`));
    dirs.push(d);
    return d;
  };
  let app: TestApp | undefined;
  afterAll(async () => {
    await app?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('copies a database being written with its documents; the restored copy verifies; restore honours the lock', async () => {
    const uploadDir = path.join(tmp('uploads'), 'uploads');
    app = await createTestApp({ env: { UPLOAD_DIR: uploadDir } });
    const a = api(app);
    if (app.t.cfg.client !== 'sqlite') throw new Error('a file database expected');
    const liveDb = app.t.cfg.filename;

    const projects = [await a.create(U.c1, goodsProject()), await a.create(U.c2, goodsProject({ title: '助浴服务' }))];
    const emails = [U.c1, U.c2];
    for (const [i, p] of projects.entries()) {
      const doc = await a.upload(emails[i]!, `minutes-${i}.pdf`);
      await a.ok(emails[i]!, p.id, 'COMMENT', { text: '会议纪要', attachments: [doc] });
    }

    // the writer: events on both projects, every third one linking a fresh upload, until told to stop
    let writing = true;
    let sent = 0;
    const writer = (async () => {
      while (writing) {
        const i = sent % 2;
        const doc = sent % 3 === 0 ? await a.upload(emails[i]!, `photo-${sent}.pdf`) : undefined;
        await a.ok(emails[i]!, projects[i]!.id, 'COMMENT', { text: `进展 ${sent}`, ...(doc ? { attachments: [doc] } : {}) });
        sent++;
      }
    })();

    const archive = path.join(tmp('archive'), 'weishishi-backup.tar.gz');
    const sentBefore = sent;
    const backup = await cli(['backup', archive], { DATABASE_URL: `sqlite:${liveDb}`, UPLOAD_DIR: uploadDir });
    const sentDuring = sent - sentBefore;
    writing = false;
    await writer;
    expect(backup.out).toMatch(/^backup .* documents, \d+ bytes$/m);
    expect(backup.code).toBe(0);
    expect(sentDuring).toBeGreaterThan(0); // the application wrote while the backup ran

    // restore into a fresh directory: refused while a live process holds the database …
    const fresh = tmp('restored');
    const restoredDb = path.join(fresh, 'weishishi.db');
    const restoredUploads = path.join(fresh, 'uploads');
    const target = { database: { client: 'sqlite' as const, driver: 'better-sqlite3' as const, filename: restoredDb }, uploadDir: restoredUploads, file: archive };
    fs.mkdirSync(lockDir(restoredDb), { recursive: true });
    const entry = path.join(lockDir(restoredDb), `serve-${process.pid}-test.json`);
    fs.writeFileSync(entry, JSON.stringify({ pid: process.pid, host: os.hostname(), role: 'serve', startedAt: new Date().toISOString() }));
    await expect(restoreBackup(target)).rejects.toThrow(LockHeldError);
    await expect(restoreBackup(target)).rejects.toThrow(new RegExp(`held open by serve pid ${process.pid}`));
    const refused = await cli(['restore', archive], { DATABASE_URL: `sqlite:${restoredDb}`, UPLOAD_DIR: restoredUploads });
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(`refusing to restore over ${restoredDb}: it is held open by serve pid ${process.pid}`);
    expect(fs.existsSync(restoredDb)).toBe(false);

    // … and by a server's real lock, which also keeps a server from starting during a restore
    fs.rmSync(entry);
    const serving = lockForServing(restoredDb, 'serve');
    await expect(restoreBackup(target)).rejects.toThrow(LockHeldError);
    serving.release();

    // a stale lock (its process has exited) is taken over
    fs.mkdirSync(lockDir(restoredDb), { recursive: true });
    fs.writeFileSync(entry, JSON.stringify({ pid: backup.pid, host: os.hostname(), role: 'serve', startedAt: new Date().toISOString() }));
    const restored = await restoreBackup(target);
    expect(restored.previous).toBeNull();
    expect(liveHolders(restoredDb)).toEqual([]);
    expect(fs.existsSync(lockDir(restoredDb))).toBe(false);

    // the restored copy holds every document its rows name, each with its sha256
    const config = loadConfig({ NODE_ENV: 'test', CLOCK: 'manual', LOG_LEVEL: 'silent', DEMO: '0', DATABASE_URL: `sqlite:${restoredDb}`, UPLOAD_DIR: restoredUploads });
    const deps = await createDeps(config, { clock: new ManualClock(app.clock.now().toISOString()), logger: createLogger('silent') });
    try {
      const rows = (await deps.db('documents').select('id', 'content_sha256')) as Array<{ id: string; content_sha256: string }>;
      const linked = (await deps.db('document_links').countDistinct({ n: 'document_id' }).first()) as { n: number };
      expect(Number(linked.n)).toBeGreaterThanOrEqual(2 + Math.ceil(sentBefore / 3));
      expect(restored.documents).toBe(rows.length);
      for (const r of rows) expect(await sha256File(path.join(restoredUploads, r.id))).toBe(r.content_sha256);
      // a consistent instant: between what was acknowledged before the backup began and after it ended
      const events = Number(((await deps.db('workflow_history').count({ n: '*' }).first()) as { n: number }).n);
      const liveEvents = Number(((await app.t.db('workflow_history').count({ n: '*' }).first()) as { n: number }).n);
      expect(events).toBeLessThanOrEqual(liveEvents);

      // verify on the restored copy: histories, ledger, projects' ledgers, documents
      const report = await verifyAll(deps.engine, deps.db);
      expect(report.problems).toEqual([]);
      expect(report.checked).toBeGreaterThan(0);
      expect(await deps.services.ledger.audit()).toEqual([]);
      expect(await auditProjectLedgers(deps.db)).toEqual([]);
      const docs = await checkLinkedDocuments(deps.db, restoredUploads);
      expect(docs.problems).toEqual([]);
      expect(docs.checked).toBe(Number(linked.n));

      // an altered document file fails the check (in process and through the CLI)
      const victim = (await deps.db('document_links').first('document_id')) as { document_id: string };
      fs.appendFileSync(path.join(restoredUploads, victim.document_id), 'tampered');
      const after = await checkLinkedDocuments(deps.db, restoredUploads);
      expect(after.problems).toEqual([expect.objectContaining({ documentId: victim.document_id, problem: 'altered' })]);
    } finally {
      await deps.close();
    }
    const verify = await cli(['verify'], { DATABASE_URL: `sqlite:${restoredDb}`, UPLOAD_DIR: restoredUploads, CLOCK: 'manual' });
    expect(verify.out).toMatch(/DOCUMENT [0-9a-f]{64} ALTERED/);
    expect(verify.out).toContain('verified ');
    expect(verify.out).toMatch(/: all intact$/m);
    expect(verify.code).toBe(1);
  }, 120_000); // three CLI processes

  it('refuses PostgreSQL with the pg_dump to run instead', async () => {
    const pg = { client: 'pg' as const, connectionString: 'postgres://localhost/x' };
    await expect(createBackup({ database: pg, uploadDir: '/nonexistent', file: '/nonexistent/x.tar' })).rejects.toThrow(/pg_dump -Fc/);
    await expect(restoreBackup({ database: pg, uploadDir: '/nonexistent', file: '/nonexistent/x.tar' })).rejects.toThrow(/pg_restore/);
  });
});
