import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { GOOD_CHECKLIST, api, DELIBERATION_OK, goodsProject, shanghaiDay, U } from '../support/lifecycle.js';


describe('working-day deadlines', () => {
  let a: TestApp | undefined;
  afterEach(async () => {
    await a?.close();
  });

  async function toNotice(app: TestApp) {
    const x = api(app);
    const p = await x.create(U.c1, goodsProject());
    await x.ok(U.c1, p.id, 'SUBMIT');
    await x.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    return x.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app) });
  }

  it('when the notice spans the National Day holiday, then it ends after the golden week, at the end of a working day', async () => {
    // Tuesday 2026-09-29, 10:00 in Shanghai; 1–7 October are holidays, Saturday 10 October is worked.
    a = await createTestApp({ start: '2026-09-29T02:00:00.000Z' });
    const p = await toNotice(a);
    // Working days after 29 Sep: 30 Sep, 8 Oct, 9 Oct, 10 Oct (make-up Saturday), 12 Oct.
    expect(p.deadlines.noticeEndsAt).toBe('2026-10-12T15:59:59.999Z');
    expect(p.deadlines.weekdaysOnly).toBe(false);
  });

  it('when a deadline falls in a year the official calendar does not know, then it is counted on weekdays and flagged', async () => {
    a = await createTestApp({ start: '2026-12-29T02:00:00.000Z' });
    const p = await toNotice(a);
    // 30, 31 Dec 2026; then 2027, which it does not know: Friday 1 January counts as a plain
    // weekday (nobody has told it that 元旦 is a holiday), then Mon 4 and Tue 5.
    expect(p.deadlines.noticeEndsAt).toBe('2027-01-05T15:59:59.999Z');
    expect(p.deadlines.weekdaysOnly).toBe(true);
    // …and the project page says so, in both languages.
    const agent = (await import('supertest')).default.agent(a.app);
    const login = await agent.get('/login');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.text)![1];
    await agent.post('/login').type('form').send({ _csrf: csrf, email: U.c1, password: 'weishishi-demo' }).expect(302);
    expect((await agent.get(`/projects/${p.id}`)).text).toContain('已按周一至周五计算');
    expect((await agent.get(`/projects/${p.id}?lang=en`)).text).toContain('counted on Monday to Friday');
  });

  it('when an admin marks a day as a holiday, then deadlines computed afterwards skip it', async () => {
    a = await createTestApp({ start: '2026-12-29T02:00:00.000Z' });
    await a.deps.services.calendar.setOverride({ date: '2027-01-01', kind: 'holiday', note: '元旦' }, 'test');
    const p = await toNotice(a);
    expect(p.deadlines.noticeEndsAt).toBe('2027-01-06T15:59:59.999Z');
  });

  it('when the district publishes new rules, then a project keeps the version it started under', async () => {
    a = await createTestApp();
    const x = api(a);
    const older = await x.create(U.c1, goodsProject({ title: '旧规则项目' }));
    const current = await a.deps.services.rules.current('xz');
    const v3 = await a.deps.services.rules.publish('xz', { ...current, notices: { ...current.notices, proposal: { workingDays: 10 } } }, null, '公示期延长至10个工作日');
    // the built-in defaults are versions 1, 2 and 3 (vendor eligibility): the first published version is 4
    expect(v3.version).toBe(4);
    const newer = await x.create(U.c1, goodsProject({ title: '新规则项目' }));
    expect([older.rulesVersion, newer.rulesVersion]).toEqual([3, 4]);
    const toNoticeOf = async (id: string) => {
      await x.ok(U.c1, id, 'SUBMIT');
      await x.ok(U.c2, id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
      return x.ok(U.c1, id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(a!) });
    };
    // T0 is Monday 2026-03-02: five working days end Monday 9 March, ten end Monday 16 March.
    expect((await toNoticeOf(older.id)).deadlines.noticeEndsAt).toBe('2026-03-09T15:59:59.999Z');
    expect((await toNoticeOf(newer.id)).deadlines.noticeEndsAt).toBe('2026-03-16T15:59:59.999Z');
  });
});
