// Rating codes in storage (issue 14 item 4), on every database the storage suites run on: codes kept
// only as hashes, used once (a conditional UPDATE, also under concurrency from two connection pools),
// refused outside the rating period, and the tally RECORD_ACCEPTANCE reads in its transaction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGE_KINDS } from '../support/db.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { U } from '../support/lifecycle.js';
import { projectInAcceptance } from '../support/ratings.js';
import { createRatingService } from '../../src/ratings/rating-service.js';
import { tally } from '../../src/ratings/rating-repo.js';

describe.each(STORAGE_KINDS)('rating codes on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ kind });
  });
  afterAll(async () => app?.close());

  const c1 = async () => app.deps.services.users.findByEmail(U.c1);

  it('when codes are printed, then only their hashes are stored and each rates once', async () => {
    const p = await projectInAcceptance(app, `存储测试 ${kind}`);
    const user = await c1();
    const ratings = app.deps.services.ratings;
    const { codes } = await ratings.issue(user!, p.id, { count: 4 });
    const rows = await app.deps.db('rating_codes').where({ project_id: p.id });
    expect(rows).toHaveLength(4);
    const stored = JSON.stringify(rows);
    for (const code of codes) expect(stored).not.toContain(code);

    await ratings.rate(codes[0]!, { stars: '5', comment: '好' });
    await expect(ratings.rate(codes[0]!, { stars: '1' })).rejects.toMatchObject({ status: 409, reasons: [{ code: 'RATING_CODE_USED' }] });
    await expect(ratings.rate(codes[1]!, { stars: '0' })).rejects.toMatchObject({ status: 422 });

    // two processes (two pools) use one code at once: one wins
    const other = app.t.reopen();
    const second = createRatingService({ db: other, clock: app.clock, engine: app.deps.engine, projects: app.deps.services.projects });
    const results = await Promise.allSettled([ratings.rate(codes[2]!, { stars: '4' }), second.rate(codes[2]!, { stars: '3' })]);
    await other.destroy();
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await tally(app.deps.db, p.id)).toEqual({ count: 2, stars: [0, 0, results[0]!.status === 'fulfilled' ? 0 : 1, results[0]!.status === 'fulfilled' ? 1 : 0, 1] });
    expect((await ratings.summary(p.id)).count).toBe(2);
    const view = await ratings.staffView(user!, p.id);
    expect(view.comments.map((c) => c.comment)).toEqual(['好']);
    expect(view.issued).toBe(4);
  });
});
