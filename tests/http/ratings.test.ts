// Residents rate the work themselves (issue 14 item 4), through the real pages and the API:
// sheets only in acceptance, each code rates once (also two at once), the rating period ends with
// the acceptance notice, a burst from one address is refused with nothing recorded, and
// RECORD_ACCEPTANCE's satisfaction is the ratings' share (enough of them) or a paper survey's N of M.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, expectRefused, goodsProject, passNotice, SIGNATORIES, U, type Project } from '../support/lifecycle.js';
import { agentFor } from './pages-helpers.js';
import { codesOf, printCodes, printSheets, projectInAcceptance, rate } from '../support/ratings.js';

async function usedCount(app: TestApp, projectId: string): Promise<number> {
  const r = await app.deps.db('rating_codes').where({ project_id: projectId }).whereNotNull('used_at').count<{ n: number | string }[]>({ n: '*' });
  return Number(r[0]!.n);
}

async function lastHistory(app: TestApp, id: string, type: string) {
  const res = await api(app).get(U.c1, `/projects/${id}/history`);
  return (res.body.history as Array<{ type: string; payload: Record<string, unknown> }>).filter((h) => h.type === type).at(-1)!;
}

describe('residents rate the work (issue 14 item 4)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ app: { ratingLimits: { perAddress: 1000, windowMs: 60_000 } } });
  });
  afterAll(async () => app?.close());

  it('when the project is not in acceptance, then no sheets are printed and no code rates it', async () => {
    const draft = await api(app).create(U.c1, goodsProject({ title: '未到验收的项目' }));
    const res = await printSheets(await agentFor(app, U.c1), draft.id, 3);
    expect(res.status).toBe(409);
    expect(res.text).toContain('只有项目处于验收阶段时才能打印评价单');
    expect(await app.deps.db('rating_codes').where({ project_id: draft.id }).count<{ n: number }[]>({ n: '*' })).toEqual([{ n: 0 }]);
    // a code that was never printed: 404, nothing recorded, never a 500
    for (const code of ['ABCDEFGHJK', 'not-a-code', '%00', 'x'.repeat(300)]) {
      expect((await app.http.get(`/r/${encodeURIComponent(code)}`)).status).toBe(404);
      expect((await rate(app, encodeURIComponent(code), 5)).status).toBeGreaterThanOrEqual(400);
    }
  });

  it('when a resident rates, then the code is used once, staff see the comment and the public page only the summary', async () => {
    const p = await projectInAcceptance(app, '评价一次性测试');
    const [code, other] = await printCodes(app, p.id, 2);
    expect(code).toMatch(/^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{10}$/);
    // bad stars: 422, the form again with the reason, nothing recorded
    const bad = await rate(app, code!, 9);
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('请选择 1 到 5 星');
    expect(await usedCount(app, p.id)).toBe(0);

    const ok = await rate(app, code!, 5, '扶手很好用，谢谢三号楼的王师傅');
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe(`/r/thanks?project=${p.id}`);
    const again = await rate(app, code!, 1);
    expect(again.status).toBe(409);
    expect(again.text).toContain('这个评价码已经使用过');
    // the code typed with spaces and in small letters is the same code
    expect((await app.http.get(`/r?code=${encodeURIComponent(`${other!.slice(0, 5).toLowerCase()} ${other!.slice(5)}`)}`)).headers.location).toBe(`/r/${other}`);
    expect(await usedCount(app, p.id)).toBe(1);

    const staff = await (await agentFor(app, U.c1)).get(`/projects/${p.id}/ratings`);
    expect(staff.text).toContain('扶手很好用');
    const pub = await app.http.get(`/public/projects/${p.id}`);
    expect(pub.status).toBe(200);
    expect(pub.text).toMatch(/id="ratings-count">1</);
    expect(pub.text).toContain('100%');
    expect(pub.text).not.toContain('扶手很好用');
    expect(pub.text).not.toContain('王师傅');
  });

  it('when one code is sent twice at once, then exactly one rating is recorded', async () => {
    const p = await projectInAcceptance(app, '并发评价测试');
    const [code] = await printCodes(app, p.id, 1);
    const results = await Promise.all([rate(app, code!, 4), rate(app, code!, 2), rate(app, code!, 3)]);
    expect(results.map((r) => r.status).sort()).toEqual([303, 409, 409]);
    expect(await usedCount(app, p.id)).toBe(1);
  });

  it('when RECORD_ACCEPTANCE uses too few ratings, then it is refused with the reason; a paper survey records N of M', async () => {
    const p = await projectInAcceptance(app, '纸质问卷测试');
    const [code, later, unused] = await printCodes(app, p.id, 3);
    expect((await rate(app, code!, 5)).status).toBe(303);
    const a = api(app);
    const few = await a.send(U.c2, p.id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionMethod: 'ratings', signatories: SIGNATORIES });
    expectRefused(few, 409, 'EVENT_NOT_ALLOWED', 'TOO_FEW_RATINGS');
    const reason = (few.body.error.reasons as Array<{ code: string; message: string }>).find((r) => r.code === 'TOO_FEW_RATINGS')!;
    expect(reason.message).toContain('只有 1 份');
    expect(reason.message).toContain('10');
    // paper: more satisfied than surveyed is refused as invalid
    expectRefused(await a.send(U.c2, p.id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionMethod: 'paper', satisfied: 21, surveyed: 20, signatories: SIGNATORIES }), 422, 'INVALID');
    // paper N of M: a sent figure or tally is ignored; the method decides
    const accepted = await a.ok(U.c2, p.id, 'RECORD_ACCEPTANCE', {
      passed: true, satisfactionMethod: 'paper', satisfied: 17, surveyed: 20, satisfactionPct: 100, ratings: { count: 99, stars: [0, 0, 0, 0, 99] }, signatories: SIGNATORIES,
    });
    expect(accepted.state).toBe('acceptance_notice');
    const h = await lastHistory(app, p.id, 'RECORD_ACCEPTANCE');
    expect(h.payload).toMatchObject({ satisfactionMethod: 'paper', satisfied: 17, surveyed: 20, satisfactionPct: 85 });
    expect(h.payload.ratings).toBeUndefined();
    expect((accepted as Project & { acceptances: Array<Record<string, unknown>> }).acceptances.at(-1)).toMatchObject({ satisfactionPct: 85 });

    // during the acceptance notice a code still rates; once it has ended, codes are refused
    expect((await rate(app, later!, 4)).status).toBe(303);
    const [spare] = await printCodes(app, p.id, 1).catch(() => [undefined]);
    expect(spare).toBeUndefined(); // sheets are printed in acceptance only
    await passNotice(app, accepted);
    expect((await a.project(U.c1, p.id)).state).not.toBe('acceptance_notice');
    const closed = await rate(app, unused!, 5);
    expect(closed.status).toBe(409);
    expect(closed.text).toContain('不在评价期内');
    expect(await usedCount(app, p.id)).toBe(2);
  });

  it('when enough residents rated, then RECORD_ACCEPTANCE takes their share at 4–5 stars and history keeps the tally', async () => {
    const p = await projectInAcceptance(app, '居民评价验收测试');
    const codes = await printCodes(app, p.id, 10);
    expect(codes).toHaveLength(10);
    for (const [i, code] of codes.entries()) expect((await rate(app, code, i < 7 ? 5 : i < 8 ? 4 : 2)).status).toBe(303);
    const staff = await (await agentFor(app, U.c1)).get(`/projects/${p.id}`);
    expect(staff.text).toMatch(/id="ratings-count">10</);
    const accepted = await api(app).ok(U.c2, p.id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionMethod: 'ratings', signatories: SIGNATORIES });
    expect(accepted.state).toBe('acceptance_notice');
    const h = await lastHistory(app, p.id, 'RECORD_ACCEPTANCE');
    expect(h.payload).toMatchObject({ satisfactionMethod: 'ratings', satisfactionPct: 80, ratings: { count: 10, stars: [0, 2, 0, 1, 7] } });
  });

  it('when the share at 4–5 stars is below the threshold, then the project goes to rectification', async () => {
    const p = await projectInAcceptance(app, '满意度不足测试');
    const codes = await printCodes(app, p.id, 10);
    for (const [i, code] of codes.entries()) expect((await rate(app, code, i < 7 ? 5 : 3)).status).toBe(303);
    const after = await api(app).ok(U.c2, p.id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionMethod: 'ratings', signatories: SIGNATORIES });
    expect(after.state).toBe('rectification');
  });
});

describe('a burst of ratings from one address', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ app: { ratingLimits: { perAddress: 3, windowMs: 3600_000 } } });
  });
  afterAll(async () => app?.close());

  it('when one address rates past the limit, then it is refused (429) and nothing more is recorded', async () => {
    const p = await projectInAcceptance(app, '限流测试');
    const codes = await printCodes(app, p.id, 6);
    const statuses: number[] = [];
    for (const code of codes) statuses.push((await rate(app, code, 5)).status);
    expect(statuses).toEqual([303, 303, 303, 429, 429, 429]);
    expect(await usedCount(app, p.id)).toBe(3);
    const refused = await rate(app, codes[5]!, 5);
    expect(refused.status).toBe(429);
    expect(await usedCount(app, p.id)).toBe(3);
    expect(codesOf('')).toEqual([]);
  });
});
