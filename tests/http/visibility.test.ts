// Issue 10 item 10, on the real database: a proposal becomes public with its first notice and stays
// public whatever happens next (an objection upheld back to draft shows as a draft); proposals
// rejected, withdrawn or cancelled before any notice are never public — not on the public pages,
// the public list, the public statistics, nor to an anonymous objection through the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, DELIBERATION_OK, GOOD_CHECKLIST, goodsProject, passNotice, shanghaiDay, U, type Api, type Project } from '../support/lifecycle.js';

describe('who may see a proposal, and from when', () => {
  let app: TestApp;
  let a: Api;
  const hidden: Array<{ id: string; title: string }> = [];

  async function create(title: string): Promise<Project> {
    return a.create(U.c1, goodsProject({ title }));
  }

  async function toDeliberation(title: string): Promise<Project> {
    const p = await create(title);
    await a.ok(U.c1, p.id, 'SUBMIT');
    return a.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
  }

  /** Everything the public can reach that could name a project. */
  async function publicSurfaces(): Promise<string> {
    const paths = ['/public', '/public/projects', '/public/notices', '/public/stats', '/public/projects?pageSize=200'];
    const pages = await Promise.all(paths.map((p) => app.http.get(p)));
    pages.forEach((res, i) => expect(res.status, paths[i]).toBe(200));
    return pages.map((r) => r.text).join('\n');
  }

  async function publicStatsCount(): Promise<number> {
    const stats = await app.deps.services.publicSite.stats(undefined);
    return stats.byStage.reduce((s, r) => s + r.count, 0);
  }

  beforeAll(async () => {
    app = await createTestApp();
    a = api(app);
  });
  afterAll(async () => app?.close());

  it('when proposals are rejected, withdrawn or cancelled before any notice, then no public page, list, statistic or objection ever finds them', async () => {
    const before = await publicStatsCount();
    const withdrawn = await create('撤回的提议（不公开）');
    await a.ok(U.c1, withdrawn.id, 'WITHDRAW', { reason: '居民已自行解决' });
    const screened = await create('初审不予立项的提议（不公开）');
    await a.ok(U.c1, screened.id, 'SUBMIT');
    await a.ok(U.c2, screened.id, 'REJECT', { reason: '属于物业管理范围' });
    // a void meeting, then a quorate vote against
    const voted = await toDeliberation('议事会否决的提议（不公开）');
    expect((await a.ok(U.c1, voted.id, 'RECORD_DELIBERATION', { members: 9, present: 4, for: 4, against: 0, abstain: 0, heldOn: shanghaiDay(app), minutes: '到会不足' })).state).toBe('deliberation');
    expect((await a.ok(U.c1, voted.id, 'RECORD_DELIBERATION', { members: 9, present: 7, for: 2, against: 5, abstain: 0, heldOn: shanghaiDay(app), minutes: '多数反对' })).state).toBe('rejected');
    const cancelled = await toDeliberation('公示前撤销的提议（不公开）');
    await a.ok(U.district, cancelled.id, 'CANCEL', { reason: '重复申报' });
    hidden.push(...[withdrawn, screened, voted, cancelled].map((p) => ({ id: p.id, title: p.title as string })));

    const surfaces = await publicSurfaces();
    for (const p of hidden) {
      expect(surfaces.includes(p.title), `${p.title} on a public page`).toBe(false);
      expect(surfaces.includes(p.id), `${p.id} on a public page`).toBe(false);
      expect((await app.http.get(`/public/projects/${p.id}`)).status).toBe(404);
      expect((await app.http.get(`/public/projects/${p.id}/notice`)).status).toBe(404);
      expect((await app.http.get(`/public/notices/${p.id}`)).status).toBe(404);
      expect((await a.send(null, p.id, 'OBJECT', { text: '反对' })).status).toBe(404);
      const row = await app.deps.db('projects').where({ id: p.id }).first('public_since');
      expect(row.public_since).toBeNull();
    }
    expect(await publicStatsCount()).toBe(before);
    // Staff still see and count them.
    const staff = await a.get(U.district, '/projects?pageSize=200');
    const ids = new Set((staff.body.projects as Array<{ id: string }>).map((p) => p.id));
    for (const p of hidden) expect(ids.has(p.id)).toBe(true);
  });

  it('when an upheld objection sends a noticed proposal back to draft, then it stays public and shows as a draft', async () => {
    const p = await toDeliberation('异议成立退回的提议（仍公开）');
    const noticed = await a.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app) });
    expect(noticed.state).toBe('public_notice');
    const listed = await app.http.get('/public/notices');
    expect(listed.text).toContain(p.title as string);
    expect((await a.send(null, p.id, 'OBJECT', { text: '选址不合理。' })).status).toBe(200);
    await passNotice(app, noticed);
    await a.ok(U.c1, p.id, 'UPHOLD_OBJECTION', { response: '异议成立，重新选址。' });
    expect((await a.project(U.c1, p.id)).state).toBe('draft');
    const page = await app.http.get(`/public/projects/${p.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('草稿');
    expect(page.text).toContain(p.title as string);
    expect((await publicSurfaces()).includes(p.title as string)).toBe(true);
    const row = await app.deps.db('projects').where({ id: p.id }).first('public_since');
    expect(row.public_since).toBe(noticed.notices ? (noticed.notices as Array<{ startedAt: string }>)[0]!.startedAt : null);
    // …and the hidden ones are still hidden after everything else moved on
    const surfaces = await publicSurfaces();
    for (const h of hidden) expect(surfaces.includes(h.title)).toBe(false);
  });
});
