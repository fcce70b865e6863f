// The public reads kept until their data may change (issue 13, src/lib/read-cache.ts), on every
// database: a second read is answered from the cache; a write in this process, a transition in
// another process or a new day shows at once; another process's edit of reference data shows once
// the answer is 5 s old on the engine's clock (the first read after that still gets the kept one and
// renews it; one 10 s old is waited for) on PostgreSQL, and at once on SQLite, whose marks see every
// commit of another connection (an answer is then kept however old); sign-ins and sessions change
// nothing; a kept answer cannot be changed by a caller; an answer computed while this process wrote
// is not kept.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDeps } from '../../src/deps.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { createReadCache } from '../../src/lib/read-cache.js';
import { DEMO_IDS } from '../../src/demo/seed.js';
import { STORAGE_KINDS } from '../support/db.js';
import { presentStats } from '../../src/web/public-view.js';
import { createTestApp, type TestApp } from '../support/app.js';

const LIANHUA = DEMO_IDS.communities.lianhua;

describe.each(STORAGE_KINDS)('the public read cache on %s', (kind) => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp({ kind });
  });
  afterEach(async () => {
    await app.close();
  });

  const lianhuaName = async () => {
    const list = await app.deps.services.publicSite.list({});
    return list.ref.communities.find((c) => c.id === LIANHUA)!.nameZh;
  };
  const counts = () => app.deps.services.readCache.stats();
  const rename = (db: TestApp['deps']['db'], nameZh: string) => db('communities').where({ id: LIANHUA }).update({ name_zh: nameZh });

  it('when the public list is read twice with nothing written between, then the second is answered from the cache', async () => {
    const first = await app.deps.services.publicSite.list({});
    const before = counts();
    const second = await app.deps.services.publicSite.list({});
    expect(second).toEqual(first);
    expect(counts().hits).toBe(before.hits + 1);
    expect(counts().misses).toBe(before.misses);
    // another filter is another answer
    await app.deps.services.publicSite.list({ page: 2 });
    expect(counts().misses).toBe(before.misses + 1);
  });

  it('when this process renames a community, then the next public read shows the new name at once', async () => {
    expect(await lianhuaName()).toBe('莲花社区');
    await app.deps.services.reference.renamePlace('community', LIANHUA, { nameZh: '莲花山社区', nameEn: 'Lianhuashan' });
    expect(await lianhuaName()).toBe('莲花山社区');
  });

  it('when the statistics page is viewed again, then its kept model is served in each language; once a street is renamed, the page shows the new name', async () => {
    const GONGBEI = DEMO_IDS.streets.gongbei;
    const first = await app.deps.services.publicSite.stats(undefined);
    expect(await app.deps.services.publicSite.stats(undefined)).toBe(first); // one kept object
    expect(presentStats('zh-CN', first)).toBe(presentStats('zh-CN', first));
    expect(presentStats('en', first)).not.toBe(presentStats('zh-CN', first));
    const page = async (lang: string) => {
      const res = await app.http.get(`/public/stats${lang === 'en' ? '?lang=en' : ''}`);
      expect(res.status).toBe(200);
      return res.text;
    };
    expect(await page('zh-CN')).toContain('拱北街道');
    expect(await page('en')).toContain('Gongbei Street');
    await app.deps.services.reference.renamePlace('street', GONGBEI, { nameZh: '拱北新街道', nameEn: 'New Gongbei Street' });
    const zh = await page('zh-CN');
    expect(zh).toContain('拱北新街道');
    expect(zh).not.toContain('拱北街道<');
    expect(await page('en')).toContain('New Gongbei Street');
    expect(await app.deps.services.publicSite.stats(undefined)).not.toBe(first);
  });

  it('when sign-ins write sessions, tokens and rate limits, then the cache still answers', async () => {
    await lianhuaName();
    const before = counts();
    await app.token('community1@example.org');
    await app.http.post('/login').type('form').send({ email: 'nobody@example.org', password: 'wrong' });
    await lianhuaName();
    expect(counts().hits).toBe(before.hits + 1);
  });

  it('when another process records a transition, then the next read is computed again and sees that process\'s other writes', async () => {
    const other = await createDeps(loadConfig({ NODE_ENV: 'test', CLOCK: 'manual', LOG_LEVEL: 'silent', DATA_DIR: '/tmp/wss-test-data' }), { db: app.t.reopen(), clock: app.clock, logger: createLogger('silent') });
    try {
      expect(await lianhuaName()).toBe('莲花社区');
      // on PostgreSQL a reference edit alone leaves no mark another process sees (it shows once the
      // answer is 5 s old, below); on SQLite every commit of another connection does
      await rename(other.db, '莲花山社区');
      expect(await lianhuaName()).toBe(kind === 'postgres' ? '莲花社区' : '莲花山社区');
      // ... a transition does, on both
      const c1 = (await other.services.users.findByEmail('community1@example.org'))!;
      await other.services.projects.create(c1, {
        title: '缓存测试', type: 'goods', category: '助行', mainGroup: '残疾人', estimatedFen: 100_000,
        description: '爬楼机一台。', items: [{ name: '爬楼机', quantity: 1, unitFen: 100_000 }],
      });
      expect(await lianhuaName()).toBe('莲花山社区');
    } finally {
      await other.close();
    }
  });

  it.runIf(kind !== 'postgres')('when another process edits reference data on SQLite, then the next read shows it at once; with nothing written, an answer is kept however old', async () => {
    expect(await lianhuaName()).toBe('莲花社区');
    const before = counts();
    app.clock.advance(3_600_000);
    expect(await lianhuaName()).toBe('莲花社区');
    expect(counts()).toMatchObject({ hits: before.hits + 1, misses: before.misses, stale: before.stale });
    const other = app.t.reopen();
    try {
      await rename(other, '莲花山社区');
      expect(await lianhuaName()).toBe('莲花山社区');
      // a checkpoint of the log by another connection (the server's checkpoint thread) changes nothing
      const kept = counts();
      await other.raw('PRAGMA wal_checkpoint(PASSIVE)');
      expect(await lianhuaName()).toBe('莲花山社区');
      expect(counts().hits).toBe(kept.hits + 1);
    } finally {
      await other.destroy();
    }
  });

  it.runIf(kind === 'postgres')('when another process edits reference data and nothing else moves, then the answer is renewed once it is 5 s old, never waited for, and never given 10 s old', async () => {
    expect(await lianhuaName()).toBe('莲花社区');
    const other = app.t.reopen();
    await rename(other, '莲花山社区');
    app.clock.advance(4_000);
    expect(await lianhuaName()).toBe('莲花社区');
    app.clock.advance(1_000);
    // 5 s old: the kept answer at once, while one computation renews it (the list and, inside it,
    // the reference data, which a computation never takes old)
    const before = counts();
    expect(await lianhuaName()).toBe('莲花社区');
    expect(counts().stale).toBe(before.stale + 1);
    await vi.waitFor(async () => expect(await lianhuaName()).toBe('莲花山社区'), { timeout: 10_000, interval: 5 });
    expect(counts().misses).toBe(before.misses + 2);
    // 10 s old: waited for
    await rename(other, '莲花社区');
    app.clock.advance(10_000);
    const stale = counts().stale;
    expect(await lianhuaName()).toBe('莲花社区');
    expect(counts().stale).toBe(stale);
  });

  it('when a renewal fails, then the kept answer is still given and the next reader renews it', async () => {
    // the renewal by age is PostgreSQL's (SQLite's marks see every change); the mechanism is the same on every database
    const cache = createReadCache(app.deps.db, app.clock, { ttlMs: 5_000 });
    let fail = false;
    let computed = 0;
    const compute = async () => {
      computed++;
      if (fail) throw new Error('the database is away');
      return { n: computed };
    };
    expect(await cache.get('k', compute)).toEqual({ n: 1 });
    app.clock.advance(5_000);
    fail = true;
    expect(await cache.get('k', compute)).toEqual({ n: 1 });
    await vi.waitFor(() => expect(computed).toBe(2), { timeout: 10_000, interval: 5 });
    fail = false;
    expect(await cache.get('k', compute)).toEqual({ n: 1 });
    await vi.waitFor(async () => expect(await cache.get('k', compute)).toEqual({ n: 3 }), { timeout: 10_000, interval: 5 });
    // a failure of a computation someone waits for reaches them
    app.clock.advance(10_000);
    fail = true;
    await expect(cache.get('k', compute)).rejects.toThrow('the database is away');
  });

  it('when the day turns in Shanghai, then the answer is computed again', async () => {
    await lianhuaName();
    const before = counts();
    app.clock.set(Date.parse('2026-03-02T16:00:00.000Z')); // midnight in Shanghai
    await lianhuaName();
    expect(counts().hits).toBe(before.hits);
    expect(counts().misses).toBeGreaterThan(before.misses);
  });

  it('when a caller changes a kept answer, then it throws and the next reader gets the answer unchanged', async () => {
    const list = await app.deps.services.publicSite.list({});
    await app.deps.services.publicSite.list({});
    const kept = await app.deps.services.publicSite.list({});
    expect(() => {
      (kept.ref.communities[0] as { nameZh: string }).nameZh = 'changed';
    }).toThrow(TypeError);
    expect((await app.deps.services.publicSite.list({})).ref.communities[0]!.nameZh).toBe(list.ref.communities[0]!.nameZh);
  });

  it('when an answer is computed while this process writes, then it is not kept', async () => {
    const cache = createReadCache(app.deps.db, app.clock);
    let computed = 0;
    const compute = async () => {
      computed++;
      if (computed === 1) await rename(app.deps.db, '莲花山社区');
      return { n: computed };
    };
    expect(await cache.get('k', compute)).toEqual({ n: 1 });
    expect(await cache.get('k', compute)).toEqual({ n: 2 });
    expect(await cache.get('k', compute)).toEqual({ n: 2 });
    expect(cache.stats()).toEqual({ hits: 1, misses: 2, joined: 0, stale: 0, entries: 1 });
  });

  it('when fifty readers miss the same answer at once, then it is computed once and each gets it', async () => {
    const cache = createReadCache(app.deps.db, app.clock);
    let computed = 0;
    // The computation runs a few queries, as the statistics do, and then waits until all fifty
    // readers have asked: each reader first reads the history's mark, and on a PostgreSQL pool the
    // last of those can come back after a quick computation is done (then it is a plain hit).
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const compute = async () => {
      computed++;
      for (let i = 0; i < 3; i++) await app.deps.db('projects').count({ n: '*' });
      if (computed === 1) await gate;
      return { n: computed };
    };
    const pending = Promise.all(Array.from({ length: 50 }, () => cache.get('stats', compute)));
    await vi.waitFor(() => expect(cache.stats().joined).toBe(49), { timeout: 10_000, interval: 5 });
    release();
    const answers = await pending;
    expect(computed).toBe(1);
    expect(answers.every((a) => a === answers[0] && a.n === 1)).toBe(true);
    expect(cache.stats()).toEqual({ hits: 0, misses: 1, joined: 49, stale: 0, entries: 1 });
    // another key is computed on its own; once kept, the answer is a hit
    expect(await cache.get('other', compute)).toEqual({ n: 2 });
    expect(await cache.get('stats', compute)).toBe(answers[0]);
  });
});
